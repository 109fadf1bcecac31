import { randomBytes, randomUUID } from 'node:crypto';
import { Client, Pool } from 'pg';
import { createPool, migrate, type Migration } from '@vigie/postgres';
import { APPEND_ORDER_LOCK, eventStoreMigrations, readGapSafeHead } from '@vigie/event-store';
import { projectionMigrations } from '@vigie/projections';

/** Admin URL of the PostgreSQL the run uses, set by the Jest global setup. */
export function adminUrl(): string {
  const url = process.env.VIGIE_TEST_PG_ADMIN_URL;
  if (!url) throw new Error('VIGIE_TEST_PG_ADMIN_URL is not set: run the tests through jest (global setup starts PostgreSQL)');
  return url;
}

export function databaseUrl(database: string): string {
  const url = new URL(adminUrl());
  url.pathname = `/${database}`;
  return url.toString();
}

export const allMigrations: Migration[] = [...eventStoreMigrations, ...projectionMigrations];

export interface TestDatabase {
  readonly name: string;
  readonly url: string;
  readonly pool: Pool;
  drop(): Promise<void>;
}

/** A fresh database with every migration applied; dropped by `drop()`. */
export async function createTestDatabase(options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const name = `vigie_test_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const admin = new Client({ connectionString: adminUrl() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = databaseUrl(name);
  const pool = createPool(url, 20);
  if (options.migrate !== false) await migrate(pool, allMigrations);
  return {
    name,
    url,
    pool,
    async drop() {
      await pool.end();
      const client = new Client({ connectionString: adminUrl() });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

/**
 * Waits until every committed event is visible to readers. Readers stop at an append still in
 * flight below an event, and past a rolled-back append's hole until every transaction older than
 * the next event has ended, anywhere on the server: on a shared, loaded server a transaction of
 * another suite can hold a just-committed event back for a moment. A spec that reads right after
 * writing waits for it first, as every reader of the log eventually would.
 */
export async function untilVisible(db: Pick<Pool, 'query'>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const visible = await readGapSafeHead(db);
    const { rows } = await db.query<{ head: string | null }>('SELECT max(global_position) AS head FROM events');
    if (visible >= Number(rows[0]?.head ?? 0)) return;
    if (Date.now() > deadline) throw new Error('events still held back by an open transaction of the server');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * An append caught in flight: its transaction has taken the next position of the log under the
 * append ordering lock and released the lock, as vigie_append does before COMMIT, and has not
 * ended. Readers stop below that position until `end` ends it; it inserts nothing, so the position
 * stays a hole, as a rolled-back append's does.
 */
export async function appendInFlight(pool: Pool): Promise<{ position: number; end: () => Promise<void> }> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_lock($1)', [APPEND_ORDER_LOCK]);
    await client.query('SELECT pg_current_xact_id()');
    const { rows } = await client.query<{ position: string }>(
      "SELECT nextval(pg_get_serial_sequence('events', 'global_position')) AS position",
    );
    await client.query('SELECT pg_advisory_unlock($1)', [APPEND_ORDER_LOCK]);
    return {
      position: Number(rows[0]!.position),
      end: async () => {
        await client.query('COMMIT');
        client.release();
      },
    };
  } catch (error) {
    client.release(true);
    throw error;
  }
}

/** An event as an older version of Vigie wrote it, inserted as is: its stream id, type and data. */
export interface OldEvent {
  readonly stream: string;
  readonly type: string;
  readonly data: Record<string, unknown>;
}

/**
 * A fresh database whose schema stands just before the migration `migrationId`, holding `events`
 * as that schema's store wrote them (versions numbered per stream in the order given), then
 * migrated to today's schema: how a migration that moves or rewrites events is tested.
 */
export async function databaseMigratedFrom(
  migrationId: string,
  events: readonly OldEvent[],
  metadata: Record<string, unknown> = {},
): Promise<TestDatabase> {
  const db = await createTestDatabase({ migrate: false });
  await migrate(
    db.pool,
    allMigrations.slice(
      0,
      allMigrations.findIndex((migration) => migration.id === migrationId),
    ),
  );
  const versions = new Map<string, number>();
  for (const event of events) {
    const version = (versions.get(event.stream) ?? 0) + 1;
    versions.set(event.stream, version);
    await db.pool.query(
      `INSERT INTO events (stream_id, stream_version, event_id, event_type, schema_version, data, metadata)
       VALUES ($1, $2, $3, $4, 1, $5, $6)`,
      [event.stream, version, randomUUID(), event.type, event.data, metadata],
    );
  }
  for (const [stream, version] of versions)
    await db.pool.query('INSERT INTO streams (stream_id, version) VALUES ($1, $2)', [stream, version]);
  await migrate(db.pool, allMigrations);
  return db;
}
