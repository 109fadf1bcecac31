import type { Pool } from 'pg';
import { compositeKey, type KeyPart } from '@vigie/domain';

const SIZE = 2_000;

/**
 * Flux figures and ledgers depend on the compliance projection (leases) and the flux projection
 * (conventions, flux facts, refusals) only: a result computed at a pair of their checkpoints holds
 * until either moves. Reads between two writes (dashboards, audits under many readers) then cost
 * one query on the checkpoints. A result is reused only at the exact positions it was computed at.
 */
export class FluxReadCache<T> {
  private readonly entries = new Map<string, Promise<T>>();

  async get(pool: Pool, parts: readonly KeyPart[], compute: () => Promise<T>): Promise<T> {
    const { rows } = await pool.query<{ compliance: string | null; flux: string | null }>(
      `SELECT (SELECT position FROM checkpoints WHERE name = 'compliance') AS compliance,
              (SELECT position FROM checkpoints WHERE name = 'flux') AS flux`,
    );
    const key = compositeKey('flux-read', ...parts, Number(rows[0]?.compliance ?? 0), Number(rows[0]?.flux ?? 0));
    const cached = this.entries.get(key);
    if (cached) return cached;
    const value = compute();
    this.entries.set(key, value);
    value.catch(() => this.entries.delete(key));
    if (this.entries.size > SIZE) this.entries.delete(this.entries.keys().next().value!);
    return value;
  }
}
