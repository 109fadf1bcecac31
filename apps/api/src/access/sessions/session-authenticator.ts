import { timingSafeEqual } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { PeopleStore, principalOfPerson, type PersonRecord, type Principal } from '@vigie/access';
import type { VigieConfig } from '@vigie/config';
import { VIGIE_CONFIG } from '../../platform/platform.module.js';
import { sessionOf } from './session.middleware.js';

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

  async person(request: FastifyRequest): Promise<PersonRecord | null> {
    const session = sessionOf(request);
    if (!session?.personId) return null;
    const expired = session.signedInAt === undefined || Date.now() - session.signedInAt > this.config.VIGIE_SESSION_MAX_S * 1_000;
    const person = expired ? null : await this.people.active(session.personId);
    if (!person) {
      await settle((done) => session.destroy(done));
      return null;
    }
    return person;
  }

  async principal(request: FastifyRequest): Promise<Principal | null> {
    const person = await this.person(request);
    return person ? principalOfPerson(person) : null;
  }

  /**
   * Whether a request made with the session cookie may change state: safe methods always; others
   * only with the session's token in `X-CSRF-Token` (a cross-site page can send the cookie, never
   * read the token). Compared in constant time.
   */
  csrfAllows(request: FastifyRequest): boolean {
    if (SAFE_METHODS.has(request.method)) return true;
    const expected = sessionOf(request)?.csrfToken;
    const presented = request.headers['x-csrf-token'];
    if (!expected || typeof presented !== 'string' || !presented) return false;
    const a = Buffer.from(expected);
    const b = Buffer.from(presented);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  /** Opens a fresh session for a person (a new id: no fixation), with its CSRF token. */
  async signIn(request: FastifyRequest, person: PersonRecord, csrfToken: string): Promise<void> {
    await settle((done) => sessionOf(request)!.regenerate(done));
    // A new session object: read it again after regenerate.
    const session = sessionOf(request)!;
    session.personId = person.id;
    session.signedInAt = Date.now();
    session.csrfToken = csrfToken;
    await settle((done) => session.save(done));
  }

  async signOut(request: FastifyRequest): Promise<void> {
    const session = sessionOf(request);
    if (session) await settle((done) => session.destroy(done));
  }
}
