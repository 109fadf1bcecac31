import { Pool } from 'pg';

export interface ForeignTransactionIdRepair {
  /** Events whose tx_id came from another server, now re-stamped. */
  readonly repaired: number;
  readonly fromPosition: number | null;
  readonly toPosition: number | null;
  /**
   * Subscribers (projections, relay…) whose checkpoint is beyond the last repaired event: they
   * applied events written on this server while the repaired ones were hidden, so may have skipped
   * some. A checkpoint within the repaired range came with the dump (applied on the source): fine.
   */
  readonly checkpointsPast: readonly string[];
}

/**
 * Readers pass a hole of the log (a position never committed) only once the `tx_id` of the event
 * after it is below the snapshot's xmin (`gapSafeSql`). `tx_id` is the writing server's transaction
 * id, so a log restored (pg_dump / pg_restore), replicated or upgraded onto a server whose
 * transaction counter is behind carries ids this server has not handed out yet: readers would stop
 * at its first hole until the counter catches up, possibly for years, and the ids would no longer
 * follow the positions, which passing a hole relies on.
 *
 * Any `tx_id` at or above this server's next transaction id cannot be one of its transactions.
 * Such events are re-stamped with the id of the repairing transaction itself, under a lock that
 * keeps appends out (reads go on), before the process accepts writes. Readers order by position,
 * so the events keep their order; they become visible as soon as the repair commits, and every
 * later append gets a higher id, so the ordering guarantee of the log holds again.
 */
export async function repairForeignTransactionIds(pool: Pool): Promise<ForeignTransactionIdRepair> {
  // A look first (no lock) for ids at or above the next one this server will hand out. Nearly always
  // there is none, so the whole table is read either way: counted, it is read by parallel workers
  // (EXISTS stops at the first row found, so PostgreSQL plans it on one process).
  const { rows: probe } = await pool.query<{ found: string }>(
    'SELECT count(*) AS found FROM events WHERE tx_id >= pg_snapshot_xmax(pg_current_snapshot())',
  );
  if (Number(probe[0]?.found ?? 0) === 0) return { repaired: 0, fromPosition: null, toPosition: null, checkpointsPast: [] };
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    // Appends insert into events: EXCLUSIVE waits for those in flight and keeps new ones out;
    // readers (ACCESS SHARE) go on. A second process starting at the same time waits here, then finds nothing.
    await client.query('LOCK TABLE events IN EXCLUSIVE MODE');
    // Taken after the lock: every transaction that ever inserted an event has finished, so every
    // id this server handed out to a writer is below this one.
    const { rows } = await client.query<{ repaired: string; from_position: string | null; to_position: string | null }>(
      `WITH repaired AS (
         UPDATE events SET tx_id = pg_current_xact_id()
         WHERE tx_id >= pg_current_xact_id()
         RETURNING global_position
       )
       SELECT count(*) AS repaired, min(global_position) AS from_position, max(global_position) AS to_position FROM repaired`,
    );
    const repaired = Number(rows[0]?.repaired ?? 0);
    const fromPosition = rows[0]?.from_position === null ? null : Number(rows[0]?.from_position);
    const toPosition = rows[0]?.to_position === null ? null : Number(rows[0]?.to_position);
    const { rows: past } =
      toPosition === null
        ? { rows: [] }
        : await client.query<{ name: string }>('SELECT name FROM checkpoints WHERE position > $1 ORDER BY name', [toPosition]);
    await client.query('COMMIT');
    return {
      repaired,
      fromPosition,
      toPosition,
      checkpointsPast: past.map((row) => row.name),
    };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** The operator's line for a repair (no personal data: counts and positions only). */
export function describeRepair(repair: ForeignTransactionIdRepair): string | null {
  if (repair.repaired === 0) return null;
  const base =
    `Event log: ${repair.repaired} events (positions ${repair.fromPosition}–${repair.toPosition}) carried transaction ids ` +
    'from another server (restored, replicated or upgraded database); re-stamped with this server’s transaction id, in position order, so readers see them';
  return repair.checkpointsPast.length
    ? `${base}. Applied later events while these were hidden, so may miss some: ${repair.checkpointsPast.join(', ')}; rebuild each projection (npm run rebuild -- NAME)`
    : base;
}
