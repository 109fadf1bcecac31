import {
  createProjectionRunners,
  PROJECTION_NAMES,
  type Projection,
  ProjectionRunner,
  REBUILDABLE,
  resetProjection,
} from '@vigie/projections';
import type { TestDatabase } from './postgres.js';

/** Rows of a table in a canonical order, as JSON text: two tables compare row by row whatever their names. */
export async function rowsOf(db: TestDatabase, table: string): Promise<string[]> {
  const { rows } = await db.pool.query<{ row: string }>(`SELECT to_jsonb(t)::text AS row FROM ${table} t ORDER BY 1`);
  return rows.map((r) => r.row);
}

/**
 * Rebuilds every rebuildable projection from position 0 into fresh tables and compares each live
 * table with its rebuild, row by row; returns the live tables' sizes. `catchUp` (default true)
 * first carries the live projections on from their checkpoints in this process (the runner a
 * restarted projector would be); without it, the live tables are compared as the processes left them.
 */
export async function expectReadModelsEqualRebuild(
  db: TestDatabase,
  options: { catchUp?: boolean } = {},
): Promise<Record<string, number>> {
  if (options.catchUp !== false)
    for (const runner of createProjectionRunners(db.pool, { batchSize: 250 })) await runner.catchUp();
  const sizes: Record<string, number> = {};
  for (const { fresh, live } of Object.values(REBUILDABLE)) {
    const rebuilt: Projection = fresh();
    await resetProjection(db.pool, rebuilt);
    await new ProjectionRunner(db.pool, rebuilt, { batchSize: 5_000 }).catchUp();
    for (const [index, table] of live().tables.entries()) {
      const actual = await rowsOf(db, table);
      expect({ table, rows: actual }).toEqual({ table, rows: await rowsOf(db, rebuilt.tables[index]!) });
      sizes[table] = actual.length;
    }
  }
  return sizes;
}

/** The lowest checkpoint of the live projections: how far the slowest of them has got. */
export async function projectedUpTo(db: TestDatabase): Promise<number> {
  const { rows } = await db.pool.query<{ position: string }>(
    'SELECT coalesce(min(position), 0) AS position FROM checkpoints WHERE name = ANY($1)',
    [PROJECTION_NAMES],
  );
  return Number(rows[0]!.position);
}

/** The highest global position in the log. */
export async function headOf(db: TestDatabase): Promise<number> {
  const { rows } = await db.pool.query<{ head: string }>('SELECT coalesce(max(global_position), 0) AS head FROM events');
  return Number(rows[0]!.head);
}
