import { parisTimestamp } from '@vigie/domain';
import { createHash, randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import type { Migration } from '@vigie/postgres';
import type { Principal, Role } from './principal.js';

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

interface Row {
  id: string;
  name: string;
  email: string | null;
  role: Role;
  tenant: string | null;
  oidc_subject: string | null;
  created_at: Date;
  created_by: string;
  disabled_at: Date | null;
}

const toRecord = (row: Row): PersonRecord => ({
  id: row.id,
  name: row.name,
  email: row.email,
  role: row.role,
  tenant: row.tenant,
  oidcLinked: row.oidc_subject !== null,
  createdAt: parisTimestamp(row.created_at),
  createdBy: row.created_by,
  disabledAt: row.disabled_at ? parisTimestamp(row.disabled_at) : null,
});

const sha256 = (text: string) => createHash('sha256').update(text).digest();

/** The principal a person acts as: the guard's, with the person's id in place of a key id. */
export function principalOfPerson(person: Pick<PersonRecord, 'id' | 'role' | 'tenant'>): Principal {
  return { keyId: person.id, role: person.role, tenant: person.tenant };
}

/** E-mail addresses are compared case-insensitively (the domain part is, and providers differ on the rest). */
const normaliseEmail = (email: string | null) => email?.trim().toLowerCase() || null;

export class PeopleStore {
  constructor(private readonly pool: Pool) {}

  async create(input: {
    name: string;
    email: string | null;
    role: Role;
    tenant: string | null;
    createdBy: string;
  }): Promise<PersonRecord> {
    const id = `person_${randomBytes(8).toString('hex')}`;
    const { rows } = await this.pool.query<Row>(
      `INSERT INTO people (id, name, email, role, tenant, created_by) VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
      [id, input.name, normaliseEmail(input.email), input.role, input.tenant, input.createdBy],
    );
    return toRecord(rows[0]!);
  }

  async list(): Promise<PersonRecord[]> {
    const { rows } = await this.pool.query<Row>('SELECT * FROM people ORDER BY created_at, id');
    return rows.map(toRecord);
  }

  async byEmail(email: string): Promise<PersonRecord | null> {
    const { rows } = await this.pool.query<Row>('SELECT * FROM people WHERE email = $1', [normaliseEmail(email)]);
    return rows[0] ? toRecord(rows[0]) : null;
  }

  /** An active person, or null when unknown or disabled (a disabled person's sessions stop at the next request). */
  async active(id: string): Promise<PersonRecord | null> {
    const { rows } = await this.pool.query<Row>('SELECT * FROM people WHERE id = $1 AND disabled_at IS NULL', [id]);
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async disable(id: string, disabledBy: string): Promise<PersonRecord | null> {
    const { rows } = await this.pool.query<Row>(
      `UPDATE people SET disabled_at = COALESCE(disabled_at, now()), disabled_by = COALESCE(disabled_by, $2)
       WHERE id = $1 RETURNING *`,
      [id, disabledBy],
    );
    return rows[0] ? toRecord(rows[0]) : null;
  }

  /**
   * The person an OpenID Connect identity signs in as: the one already linked to this subject,
   * else the active person invited with this (verified) e-mail address, linked from now on.
   * Null when the provider's identity matches no invited person.
   */
  async signInWithOidc(subject: string, verifiedEmail: string | null): Promise<PersonRecord | null> {
    const linked = await this.pool.query<Row>('SELECT * FROM people WHERE oidc_subject = $1 AND disabled_at IS NULL', [subject]);
    if (linked.rows[0]) return toRecord(linked.rows[0]);
    if (!verifiedEmail) return null;
    const { rows } = await this.pool.query<Row>(
      `UPDATE people SET oidc_subject = $1 WHERE email = $2 AND oidc_subject IS NULL AND disabled_at IS NULL RETURNING *`,
      [subject, normaliseEmail(verifiedEmail)],
    );
    return rows[0] ? toRecord(rows[0]) : null;
  }

  /** A one-time sign-in link's secret for a person (shown once; only its hash is kept). */
  async issueLink(personId: string, validForMs: number, createdBy: string, now = new Date()): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    await this.pool.query(`INSERT INTO sign_in_links (token_hash, person_id, expires_at, created_by) VALUES ($1, $2, $3, $4)`, [
      sha256(token),
      personId,
      new Date(now.getTime() + validForMs),
      createdBy,
    ]);
    return token;
  }

  /** Uses a sign-in link once: the active person it names, or null when unknown, used, expired or disabled. */
  async consumeLink(token: string, now = new Date()): Promise<PersonRecord | null> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
    const { rows } = await this.pool.query<Row>(
      `WITH used AS (
         UPDATE sign_in_links SET used_at = $2
         WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2
         RETURNING person_id
       )
       SELECT people.* FROM people JOIN used ON used.person_id = people.id WHERE people.disabled_at IS NULL`,
      [sha256(token), now],
    );
    return rows[0] ? toRecord(rows[0]) : null;
  }

  /**
   * The first administrator, while nobody has signed in as one: the pending admin person (created
   * once), whose earlier links are withdrawn so only the newest printed one works. Null once an
   * administrator has signed in (used a link or linked an OIDC identity).
   */
  async pendingFirstAdmin(): Promise<PersonRecord | null> {
    const signedIn = await this.pool.query(
      `SELECT 1 FROM people p WHERE p.role = 'admin' AND p.disabled_at IS NULL
         AND (p.oidc_subject IS NOT NULL OR EXISTS (SELECT 1 FROM sign_in_links l WHERE l.person_id = p.id AND l.used_at IS NOT NULL))
       LIMIT 1`,
    );
    if (signedIn.rowCount) return null;
    const pending = await this.pool.query<Row>(
      `SELECT * FROM people WHERE role = 'admin' AND created_by = 'start-up' AND disabled_at IS NULL ORDER BY created_at LIMIT 1`,
    );
    const person =
      pending.rows[0] !== undefined
        ? toRecord(pending.rows[0])
        : await this.create({ name: 'Premier administrateur', email: null, role: 'admin', tenant: null, createdBy: 'start-up' });
    await this.pool.query('DELETE FROM sign_in_links WHERE person_id = $1 AND used_at IS NULL', [person.id]);
    return person;
  }
}
