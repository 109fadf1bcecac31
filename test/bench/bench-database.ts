import { mkdtempSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '@vigie/postgres';

/**
 * The PostgreSQL a benchmark runs on: BENCH_PG_ADMIN_URL, else the server on 127.0.0.1:5432
 * when reachable, else an embedded one. Each benchmark database is created fresh and dropped.
 */
export async function benchServer(): Promise<{ adminUrl: string; stop: () => Promise<void> }> {
  const candidates = [process.env.BENCH_PG_ADMIN_URL, 'postgres://postgres@127.0.0.1:5432/postgres'].filter(Boolean) as string[];
  for (const url of candidates) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
    try {
      await client.connect();
      await client.end();
      return { adminUrl: url, stop: async () => undefined };
    } catch {
      await client.end().catch(() => undefined);
    }
  }
  const parent = mkdtempSync(join(tmpdir(), 'vigie-bench-pg-'));
  chmodSync(parent, 0o777);
  const server = await startEmbeddedPostgres({ dataDir: join(parent, 'data'), port: 5498 });
  const url = new URL(server.connectionString);
  url.pathname = '/postgres';
  return { adminUrl: url.toString(), stop: () => server.stop() };
}

export async function createDatabase(adminUrl: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await client.end();
}

export async function timed<T>(work: () => Promise<T>): Promise<{ seconds: number; result: T }> {
  const started = process.hrtime.bigint();
  const result = await work();
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, result };
}

/** Runs `count` tasks with at most `concurrency` in flight. */
export async function pooled(count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        await task(i);
      }
    }),
  );
}
