import { parisTimestamp } from '@vigie/domain';
import { createHash, randomBytes } from 'node:crypto';
import { IsNull, type Repository } from 'typeorm';
import { isUniqueViolation, type Migration } from '@vigie/postgres';
import type { Principal, Role } from './principal.js';
import type { PersonRow, SignInLinkRow } from './person.entity.js';

/**
 * People who sign in to the web application. Like an API key, a person has one role and the
 * organisation (tenant) it acts for, and is seen by the access guard as the same `Principal`
 * (its `keyId` is the person's id, `person_<hex>`), under the same access and secrecy rules.
 *
 * A person signs in through OpenID Connect (ProConnect or any provider, matched by the
 * provider's subject, or on first sign-in by the invited e-mail address), or through a one-time
 * sign-in link: the first administrator's, printed at start-up, and the invitations an
 * administrator creates. Links are 256 random bits kept only as their SHA-256.
 */
export const peopleMigrations: Migration[] = [
  {
    id: 'access/002-people-and-sessions',
    sql: `
      CREATE TABLE people (
        id            text        PRIMARY KEY,
        name          text        NOT NULL,
        email         text        UNIQUE,
        role          text        NOT NULL,
        tenant        text,
        oidc_subject  text        UNIQUE,
        created_at    timestamptz NOT NULL DEFAULT now(),
        created_by    text        NOT NULL,
        disabled_at   timestamptz,
        disabled_by   text
      );
      CREATE TABLE sign_in_links (
        token_hash  bytea       PRIMARY KEY,
        person_id   text        NOT NULL REFERENCES people (id),
        expires_at  timestamptz NOT NULL,
        used_at     timestamptz,
        created_by  text        NOT NULL
      );
      -- The session store's table (connect-pg-simple's schema): one row per open session.
      CREATE TABLE web_sessions (
        sid    varchar      NOT NULL PRIMARY KEY,
        sess   json         NOT NULL,
        expire timestamp(6) NOT NULL
      );
      CREATE INDEX web_sessions_expire ON web_sessions (expire);
    `,
  },
];

export interface PersonRecord {
  readonly id: string;
  readonly name: string;
  readonly email: string | null;
  readonly role: Role;
  readonly tenant: string | null;
  readonly oidcLinked: boolean;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly disabledAt: string | null;
}

const toRecord = (row: PersonRow): PersonRecord => ({
  id: row.id,
  name: row.name,
  email: row.email,
  role: row.role,
  tenant: row.tenant,
  oidcLinked: row.oidcSubject !== null,
  createdAt: parisTimestamp(row.createdAt),
  createdBy: row.createdBy,
  disabledAt: row.disabledAt ? parisTimestamp(row.disabledAt) : null,
});

const sha256 = (text: string) => createHash('sha256').update(text).digest();

/** The principal a person acts as: the guard's, with the person's id in place of a key id. */
export function principalOfPerson(person: Pick<PersonRecord, 'id' | 'role' | 'tenant'>): Principal {
  return { keyId: person.id, role: person.role, tenant: person.tenant };
}

/** E-mail addresses are compared case-insensitively (the domain part is, and providers differ on the rest). */
const normaliseEmail = (email: string | null) => email?.trim().toLowerCase() || null;

/** An invitation to an address a person already holds. */
export class EmailTakenError extends Error {
  constructor(readonly personId: string) {
    super('email already taken');
  }
}

/** People and their sign-in links, through TypeORM's repositories of `people` and `sign_in_links`. */
export class PeopleStore {
  constructor(
    private readonly people: Repository<PersonRow>,
    private readonly links: Repository<SignInLinkRow>,
  ) {}

  /**
   * A new person; throws EmailTakenError naming the person who already holds the address (one
   * person per address, a unique index: also when two admins invite the same address at once).
   */
  async create(input: {
    name: string;
    email: string | null;
    role: Role;
    tenant: string | null;
    createdBy: string;
  }): Promise<PersonRecord> {
    const id = `person_${randomBytes(8).toString('hex')}`;
    const email = normaliseEmail(input.email);
    try {
      await this.people.insert({ id, ...input, email });
    } catch (error) {
      const holder = isUniqueViolation(error) && email !== null ? await this.people.findOneBy({ email }) : null;
      throw holder ? new EmailTakenError(holder.id) : error;
    }
    return toRecord(await this.people.findOneByOrFail({ id }));
  }

  async list(): Promise<PersonRecord[]> {
    return (await this.people.find({ order: { createdAt: 'ASC', id: 'ASC' } })).map(toRecord);
  }

  async byEmail(email: string): Promise<PersonRecord | null> {
    const email_ = normaliseEmail(email);
    const row = email_ === null ? null : await this.people.findOneBy({ email: email_ });
    return row ? toRecord(row) : null;
  }

  /** An active person, or null when unknown or disabled (a disabled person's sessions stop at the next request). */
  async active(id: string): Promise<PersonRecord | null> {
    const row = await this.people.findOneBy({ id, disabledAt: IsNull() });
    return row ? toRecord(row) : null;
  }

  /** Disables a person once (a second call keeps the first one's time and author). */
  async disable(id: string, disabledBy: string): Promise<PersonRecord | null> {
    await this.people.update({ id, disabledAt: IsNull() }, { disabledAt: () => 'now()', disabledBy });
    const row = await this.people.findOneBy({ id });
    return row ? toRecord(row) : null;
  }

  /**
   * The person an OpenID Connect identity signs in as: the one already linked to this subject,
   * else the active person invited with this (verified) e-mail address, linked from now on.
   * Null when the provider's identity matches no invited person.
   */
  async signInWithOidc(subject: string, verifiedEmail: string | null): Promise<PersonRecord | null> {
    const linked = await this.people.findOneBy({ oidcSubject: subject, disabledAt: IsNull() });
    if (linked) return toRecord(linked);
    const email = normaliseEmail(verifiedEmail);
    if (!email) return null;
    // Linked only while unlinked and active: of two sign-ins at once, one links, the other reads it.
    const { affected } = await this.people.update(
      { email, oidcSubject: IsNull(), disabledAt: IsNull() },
      { oidcSubject: subject },
    );
    if (!affected) return null;
    const row = await this.people.findOneBy({ oidcSubject: subject, disabledAt: IsNull() });
    return row ? toRecord(row) : null;
  }

  /** A one-time sign-in link's secret for a person (shown once; only its hash is kept). */
  async issueLink(personId: string, validForMs: number, createdBy: string, now = new Date()): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    await this.links.insert({
      tokenHash: sha256(token),
      personId,
      expiresAt: new Date(now.getTime() + validForMs),
      createdBy,
    });
    return token;
  }

  /** Uses a sign-in link once: the active person it names, or null when unknown, used, expired or disabled. */
  async consumeLink(token: string, now = new Date()): Promise<PersonRecord | null> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
    // One conditional UPDATE: of two uses at once, exactly one gets the row back.
    const used = await this.links
      .createQueryBuilder()
      .update()
      .set({ usedAt: now })
      .where('token_hash = :hash AND used_at IS NULL AND expires_at > :now', { hash: sha256(token), now })
      .returning('person_id')
      .execute();
    const personId = (used.raw as Array<{ person_id: string }>)[0]?.person_id;
    return personId === undefined ? null : this.active(personId);
  }

  /**
   * The first administrator, while nobody has signed in as one: the pending admin person (created
   * once), whose earlier links are withdrawn so only the newest printed one works. Null once an
   * administrator has signed in (used a link or linked an OIDC identity).
   */
  async pendingFirstAdmin(): Promise<PersonRecord | null> {
    const signedIn = await this.people
      .createQueryBuilder('p')
      .where("p.role = 'admin' AND p.disabled_at IS NULL")
      .andWhere(
        '(p.oidc_subject IS NOT NULL OR EXISTS (SELECT 1 FROM sign_in_links l WHERE l.person_id = p.id AND l.used_at IS NOT NULL))',
      )
      .getExists();
    if (signedIn) return null;
    const pending = await this.people.findOne({
      where: { role: 'admin', createdBy: 'start-up', disabledAt: IsNull() },
      order: { createdAt: 'ASC' },
    });
    const person = pending
      ? toRecord(pending)
      : await this.create({ name: 'Premier administrateur', email: null, role: 'admin', tenant: null, createdBy: 'start-up' });
    await this.links.delete({ personId: person.id, usedAt: IsNull() });
    return person;
  }
}
