import { parisTimestamp } from '@vigie/domain';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Pool } from 'pg';
import type { Migration } from '@vigie/postgres';
import type { Principal, Role } from './principal.js';

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

interface Row {
  id: string;
  role: Role;
  tenant: string | null;
  label: string;
  secret_hash: Buffer;
  created_at: Date;
  created_by: string;
  revoked_at: Date | null;
  revoked_by: string | null;
}

const toRecord = (row: Row): ApiKeyRecord => ({
  id: row.id,
  role: row.role,
  tenant: row.tenant,
  label: row.label,
  createdAt: parisTimestamp(row.created_at),
  createdBy: row.created_by,
  revokedAt: row.revoked_at ? parisTimestamp(row.revoked_at) : null,
  revokedBy: row.revoked_by,
});

/**
 * Keys in PostgreSQL. Verified keys are remembered for `cacheMs` so a hot read path costs no
 * query; a revocation made through this store takes effect at once, one made through another
 * process within `cacheMs`.
 */
export class ApiKeyStore {
  /** Tokens verified lately, to answer a hot read path with neither a query nor a hash. */
  private readonly verified = new Map<string, { principal: Principal; until: number }>();

  constructor(
    private readonly pool: Pool,
    private readonly cacheMs = 2_000,
  ) {}

  async create(input: { role: Role; tenant: string | null; label: string; createdBy: string }): Promise<IssuedApiKey> {
    const key = newApiKey();
    await this.pool.query(
      'INSERT INTO api_keys (id, role, tenant, label, secret_hash, created_by) VALUES ($1, $2, $3, $4, $5, $6)',
      [key.id, input.role, input.tenant, input.label, key.secretHash, input.createdBy],
    );
    return { id: key.id, token: key.token };
  }

  /** Records a key whose token was chosen outside (VIGIE_ADMIN_KEY); idempotent. */
  async ensure(token: string, input: { role: Role; tenant: string | null; label: string; createdBy: string }): Promise<string> {
    const parsed = parseApiKey(token);
    if (!parsed) throw new Error('Malformed API key');
    await this.pool.query(
      `INSERT INTO api_keys (id, role, tenant, label, secret_hash, created_by) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (id) DO NOTHING`,
      [parsed.id, input.role, input.tenant, input.label, parsed.secretHash, input.createdBy],
    );
    return parsed.id;
  }

  async revoke(id: string, revokedBy: string): Promise<ApiKeyRecord | null> {
    const { rows } = await this.pool.query<Row>(
      `UPDATE api_keys SET revoked_at = COALESCE(revoked_at, now()), revoked_by = COALESCE(revoked_by, $2)
       WHERE id = $1 RETURNING *`,
      [id, revokedBy],
    );
    for (const [token, entry] of this.verified) if (entry.principal.keyId === id) this.verified.delete(token);
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async list(): Promise<ApiKeyRecord[]> {
    const { rows } = await this.pool.query<Row>('SELECT * FROM api_keys ORDER BY created_at, id');
    return rows.map(toRecord);
  }

  async hasActiveAdmin(): Promise<boolean> {
    const { rowCount } = await this.pool.query("SELECT 1 FROM api_keys WHERE role = 'admin' AND revoked_at IS NULL LIMIT 1");
    return (rowCount ?? 0) > 0;
  }

  /** The principal of a presented key, or null when it is unknown, revoked or wrong. */
  async authenticate(token: string): Promise<Principal | null> {
    const now = Date.now();
    const known = this.verified.get(token);
    if (known && known.until >= now) return known.principal;
    const parsed = parseApiKey(token);
    if (!parsed) return null;
    const { rows } = await this.pool.query<Row>('SELECT * FROM api_keys WHERE id = $1', [parsed.id]);
    const row = rows[0];
    // Compared in constant time, and even for an unknown id, so timing tells nothing of the key.
    const matches = timingSafeEqual(row?.secret_hash ?? Buffer.alloc(32), parsed.secretHash);
    if (!row || row.revoked_at || !matches) return null;
    const principal: Principal = { keyId: row.id, role: row.role, tenant: row.tenant };
    if (this.verified.size > 10_000) this.verified.clear();
    this.verified.set(token, { principal, until: now + this.cacheMs });
    return principal;
  }
}
