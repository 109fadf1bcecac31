import { parisTimestamp } from '@vigie/domain';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { IsNull, type Repository } from 'typeorm';
import type { Migration } from '@vigie/postgres';
import type { Principal, Role } from './principal.js';
import type { ApiKeyRow } from './api-key.entity.js';

/**
 * API keys: `vigie_<id>_<secret>`. The id is public (it names the key in the actor of every event
 * and in the key list); the secret is 256 random bits shown once at creation and stored only as
 * its SHA-256 (a slow hash adds nothing for a random secret of that length).
 */
export const accessMigrations: Migration[] = [
  {
    id: 'access/001-api-keys',
    sql: `
      CREATE TABLE api_keys (
        id          text        PRIMARY KEY,
        role        text        NOT NULL,
        tenant      text,
        label       text        NOT NULL,
        secret_hash bytea       NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now(),
        created_by  text        NOT NULL,
        revoked_at  timestamptz,
        revoked_by  text
      );
    `,
  },
];

const KEY_FORMAT = /^vigie_([a-f0-9]{16})_([A-Za-z0-9_-]{43})$/;

export interface IssuedApiKey {
  readonly id: string;
  /** The whole key, to hand to its holder: it cannot be shown again. */
  readonly token: string;
}

export function newApiKey(): IssuedApiKey & { readonly secretHash: Buffer } {
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { id, token: `vigie_${id}_${secret}`, secretHash: sha256(secret) };
}

/** The id and secret hash of a key as presented, or null when it is not shaped like one. */
export function parseApiKey(token: string): { id: string; secretHash: Buffer } | null {
  const match = KEY_FORMAT.exec(token);
  return match ? { id: match[1]!, secretHash: sha256(match[2]!) } : null;
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

export interface ApiKeyRecord {
  readonly id: string;
  readonly role: Role;
  readonly tenant: string | null;
  readonly label: string;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly revokedAt: string | null;
  readonly revokedBy: string | null;
}

const toRecord = (row: ApiKeyRow): ApiKeyRecord => ({
  id: row.id,
  role: row.role,
  tenant: row.tenant,
  label: row.label,
  createdAt: parisTimestamp(row.createdAt),
  createdBy: row.createdBy,
  revokedAt: row.revokedAt ? parisTimestamp(row.revokedAt) : null,
  revokedBy: row.revokedBy,
});

/**
 * Keys in PostgreSQL, through TypeORM's repository of `api_keys` (ApiKeyEntity). Verified keys are
 * remembered for `cacheMs` so a hot read path costs no query; a revocation made through this store
 * takes effect at once, one made through another process within `cacheMs`.
 */
export class ApiKeyStore {
  /** Tokens verified lately, to answer a hot read path with neither a query nor a hash. */
  private readonly verified = new Map<string, { principal: Principal; until: number }>();
  /** Lookups under way, per token. */
  private readonly lookups = new Map<string, Promise<Principal | null>>();
  /** Revocations made through this store: a lookup begun before one remembers nothing. */
  private revocations = 0;

  constructor(
    private readonly keys: Repository<ApiKeyRow>,
    private readonly cacheMs = 2_000,
  ) {}

  async create(input: { role: Role; tenant: string | null; label: string; createdBy: string }): Promise<IssuedApiKey> {
    const key = newApiKey();
    await this.keys.insert({ id: key.id, secretHash: key.secretHash, ...input });
    return { id: key.id, token: key.token };
  }

  /** Records a key whose token was chosen outside (VIGIE_ADMIN_KEY); idempotent. */
  async ensure(token: string, input: { role: Role; tenant: string | null; label: string; createdBy: string }): Promise<string> {
    const parsed = parseApiKey(token);
    if (!parsed) throw new Error('Malformed API key');
    await this.keys
      .createQueryBuilder()
      .insert()
      .values({ id: parsed.id, secretHash: parsed.secretHash, ...input })
      .orIgnore()
      .execute();
    return parsed.id;
  }

  /** Revokes a key once (a second revocation keeps the first one's time and author). */
  async revoke(id: string, revokedBy: string): Promise<ApiKeyRecord | null> {
    await this.keys.update({ id, revokedAt: IsNull() }, { revokedAt: () => 'now()', revokedBy });
    this.revocations += 1;
    this.lookups.clear();
    for (const [token, entry] of this.verified) if (entry.principal.keyId === id) this.verified.delete(token);
    const row = await this.keys.findOneBy({ id });
    return row ? toRecord(row) : null;
  }

  async list(): Promise<ApiKeyRecord[]> {
    return (await this.keys.find({ order: { createdAt: 'ASC', id: 'ASC' } })).map(toRecord);
  }

  async hasActiveAdmin(): Promise<boolean> {
    return this.keys.existsBy({ role: 'admin', revokedAt: IsNull() });
  }

  /**
   * The principal of a presented key, or null when it is unknown, revoked or wrong. Concurrent
   * requests with a key not verified lately share one lookup (a hundred clients whose key has just
   * left the cache cost one query, not a hundred).
   */
  authenticate(token: string): Promise<Principal | null> {
    const known = this.verifiedPrincipal(token);
    if (known) return Promise.resolve(known);
    const pending = this.lookups.get(token);
    if (pending) return pending;
    const lookup: Promise<Principal | null> = this.lookUp(token).finally(() => {
      if (this.lookups.get(token) === lookup) this.lookups.delete(token);
    });
    this.lookups.set(token, lookup);
    return lookup;
  }

  /**
   * The principal of a key verified lately (the same cache as `authenticate`), or undefined when
   * it must be looked up: lets the access guard answer a known key without a promise.
   */
  verifiedPrincipal(token: string): Principal | undefined {
    const known = this.verified.get(token);
    return known && known.until >= Date.now() ? known.principal : undefined;
  }

  private async lookUp(token: string): Promise<Principal | null> {
    const now = Date.now();
    const revocations = this.revocations;
    const parsed = parseApiKey(token);
    if (!parsed) return null;
    const row = await this.keys.findOneBy({ id: parsed.id });
    // Compared in constant time, and even for an unknown id, so timing tells nothing of the key.
    const matches = timingSafeEqual(row?.secretHash ?? Buffer.alloc(32), parsed.secretHash);
    if (!row || row.revokedAt || !matches) return null;
    const principal: Principal = { keyId: row.id, role: row.role, tenant: row.tenant };
    if (this.verified.size > 10_000) this.verified.clear();
    if (revocations === this.revocations) this.verified.set(token, { principal, until: now + this.cacheMs });
    return principal;
  }
}
