import { timingSafeEqual } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { PeopleStore, principalOfPerson, type PersonRecord, type Principal } from '@vigie/access';
import type { VigieConfig } from '@vigie/config';
import { VIGIE_CONFIG } from '../../platform/platform.module.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Calls a Node-style callback function and waits for it. */
const settle = (call: (done: (error?: unknown) => void) => void) =>
  new Promise<void>((resolve, reject) => call((error) => (error ? reject(error) : resolve())));

/**
 * The person behind a request's session cookie, as the access guard's principal: the same roles,
 * organisations and rules as an API key. A session unused VIGIE_SESSION_IDLE_S ends with its
 * cookie (and its row); one older than VIGIE_SESSION_MAX_S, or whose person was disabled, is
 * destroyed here at its next request.
 */
@Injectable()
export class SessionAuthenticator {
  constructor(
    private readonly people: PeopleStore,
    @Inject(VIGIE_CONFIG) private readonly config: VigieConfig,
  ) {}

  async person(request: Request): Promise<PersonRecord | null> {
    const session = request.session;
    if (!session?.personId) return null;
    const expired = session.signedInAt === undefined || Date.now() - session.signedInAt > this.config.VIGIE_SESSION_MAX_S * 1_000;
    const person = expired ? null : await this.people.active(session.personId);
    if (!person) {
      await settle((done) => session.destroy(done));
      return null;
    }
    return person;
  }

  async principal(request: Request): Promise<Principal | null> {
    const person = await this.person(request);
    return person ? principalOfPerson(person) : null;
  }

  /**
   * Whether a request made with the session cookie may change state: safe methods always; others
   * only with the session's token in `X-CSRF-Token` (a cross-site page can send the cookie, never
   * read the token). Compared in constant time.
   */
  csrfAllows(request: Request): boolean {
    if (SAFE_METHODS.has(request.method)) return true;
    const expected = request.session?.csrfToken;
    const presented = request.header('x-csrf-token');
    if (!expected || !presented) return false;
    const a = Buffer.from(expected);
    const b = Buffer.from(presented);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  /** Opens a fresh session for a person (a new id: no fixation), with its CSRF token. */
  async signIn(request: Request, person: PersonRecord, csrfToken: string): Promise<void> {
    await settle((done) => request.session.regenerate(done));
    request.session.personId = person.id;
    request.session.signedInAt = Date.now();
    request.session.csrfToken = csrfToken;
    await settle((done) => request.session.save(done));
  }

  async signOut(request: Request): Promise<void> {
    if (request.session) await settle((done) => request.session.destroy(done));
  }
}
