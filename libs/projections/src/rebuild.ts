import { Pool } from 'pg';
import { type Projection } from './projection.js';
import { ProjectionRunner } from './projection-runner.js';

export interface RebuildProgress {
  readonly applied: number;
  readonly position: number;
  readonly head: number;
}

/** Drops a projection's tables and checkpoint and creates the tables empty: where a replay from position 0 starts. */
export async function resetProjection(pool: Pool, projection: Projection): Promise<void> {
  const client = await pool.connect();
  try {
    for (const table of projection.tables) await client.query(`DROP TABLE IF EXISTS ${table}`);
    await client.query('DELETE FROM checkpoints WHERE name = $1', [projection.name]);
    await projection.createTables(client);
  } finally {
    client.release();
  }
}

/**
 * Drops the plain indexes of `tables` (neither unique nor backing a constraint: those serve only
 * the reads of the read model, while the projection's own upserts and look-ups go through its keys)
 * and answers their definitions, to build each once from the filled table: one sort instead of an
 * insertion per row and index through the whole replay.
 */
async function dropPlainIndexes(pool: Pool, tables: readonly string[]): Promise<string[]> {
  const { rows } = await pool.query<{ name: string; definition: string }>(
    `SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS definition
     FROM pg_index i
     WHERE i.indrelid = ANY($1::regclass[]) AND NOT i.indisunique
       AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
     ORDER BY 1`,
    [tables],
  );
  for (const { name } of rows) await pool.query(`DROP INDEX ${name}`);
  return rows.map((row) => row.definition);
}

/**
 * Replays the whole log into fresh tables (a projection writing to `<table>_rebuild`), while
 * the live one keeps serving: without their plain indexes (built once at the end) and without
 * waiting for a WAL flush at each batch (the swap's COMMIT flushes them all). `swap` then moves
 * the fresh tables and checkpoint in place in one transaction; the live runner then goes on from
 * the fresh checkpoint, so events that arrived during the swap are applied to the new tables.
 */
export async function rebuildProjection(
  pool: Pool,
  options: {
    readonly fresh: Projection;
    readonly live: Projection;
    readonly batchSize?: number;
    readonly onProgress?: (progress: RebuildProgress) => void;
  },
): Promise<{ applied: number; position: number }> {
  const { fresh, live } = options;
  await resetProjection(pool, fresh);
  const deferredIndexes = await dropPlainIndexes(pool, fresh.tables);
  const runner = new ProjectionRunner(pool, fresh, { batchSize: options.batchSize ?? 5_000, synchronousCommit: false });
  const { rows } = await pool.query<{ head: string | null }>('SELECT max(global_position) AS head FROM events');
  const head = Number(rows[0]?.head ?? 0);
  let applied = 0;
  // An empty batch alone is not the end: a transaction open anywhere on the server holds readers
  // back (gap safety), and a rebuild that stopped there would swap in tables behind the live ones.
  for (;;) {
    const count = await runner.runOnce();
    applied += count;
    options.onProgress?.({ applied, position: runner.status().position, head });
    if (count === 0) {
      if (runner.status().position >= head) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  // Each on its own connection, together: CREATE INDEX takes a SHARE lock, which does not keep the others out.
  await Promise.all(deferredIndexes.map((definition) => pool.query(definition)));
  // Swap under the live projection's lock, so its runner cannot apply a batch in between.
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`projection:${live.name}`]);
    for (const [index, freshTable] of fresh.tables.entries()) {
      const liveTable = live.tables[index]!;
      await client.query(`DROP TABLE IF EXISTS ${liveTable}`);
      await client.query(`ALTER TABLE ${freshTable} RENAME TO ${liveTable}`);
      // Index and constraint names carry the table name: give them the live names, so the next rebuild can reuse the fresh ones.
      const { rows: indexes } = await client.query<{ indexname: string }>(
        'SELECT indexname FROM pg_indexes WHERE tablename = $1',
        [liveTable],
      );
      for (const { indexname } of indexes) {
        if (indexname.startsWith(freshTable)) {
          await client.query(`ALTER INDEX ${indexname} RENAME TO ${liveTable}${indexname.slice(freshTable.length)}`);
        }
      }
    }
    const position = runner.status().position;
    await client.query(
      `INSERT INTO checkpoints (name, position, last_event_at)
       SELECT $1, position, last_event_at FROM checkpoints WHERE name = $2
       ON CONFLICT (name) DO UPDATE SET position = excluded.position, last_event_at = excluded.last_event_at, updated_at = now()`,
      [live.name, fresh.name],
    );
    await client.query('DELETE FROM checkpoints WHERE name = $1', [fresh.name]);
    await client.query('COMMIT');
    return { applied, position };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
