import { type Pool } from 'pg';
import { ConditionFactsBehindError } from '../event-store.errors.js';
import { type TransactionReader } from '../event-store.port.js';
import { type ConditionReads } from './kurrentdb-event-store.js';

/**
 * With the log in KurrentDB, append conditions read their facts from PostgreSQL's copy of the log
 * (the `events` table the log mirror projection feeds, with KurrentDB's positions): a reader is
 * answered once the copy holds every event up to the position asked, waiting for it up to
 * `timeoutMs` (the copy commits batch by batch, in position order, so its highest position tells
 * how far it is complete). When no projector feeds the copy, appends with conditions fail with
 * ConditionFactsBehindError instead of being checked against stale facts.
 */
export function mirrorConditionReads(pool: Pool, options: { timeoutMs?: number; pollMs?: number } = {}): ConditionReads {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const pollMs = options.pollMs ?? 10;
  const reader: TransactionReader = {
    query: <Row>(text: string, values?: readonly unknown[]) =>
      pool.query(text, values as unknown[] | undefined) as unknown as Promise<{ rows: Row[] }>,
  };
  return {
    async readerAt(position: number): Promise<TransactionReader> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const { rows } = await pool.query<{ at: string }>('SELECT coalesce(max(global_position), 0) AS at FROM events');
        const at = Number(rows[0]!.at);
        if (at >= position) return reader;
        if (Date.now() >= deadline) throw new ConditionFactsBehindError(position, at);
        await new Promise((resolve) => setTimeout(resolve, pollMs));
      }
    },
  };
}
