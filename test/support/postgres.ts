import { randomBytes } from 'node:crypto';
import { Client, Pool } from 'pg';
import { createPool, migrate, type Migration } from '@vigie/postgres';
import { eventStoreMigrations } from '@vigie/event-store';
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
 * Waits until every committed event is visible to readers. Readers stop below the oldest
 * transaction running anywhere on the server, so on a shared, loaded server a transaction of
 * another suite can hold a just-committed event back for a moment: a spec that reads right after
 * writing waits for it first, as every reader of the log eventually would.
 */
export async function untilVisible(db: Pick<Pool, 'query'>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await db.query<{ held: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM events WHERE tx_id >= pg_snapshot_xmin(pg_current_snapshot())) AS held`,
    );
    if (!rows[0]?.held) return;
    if (Date.now() > deadline) throw new Error('events still held back by an open transaction of the server');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
