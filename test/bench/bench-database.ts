import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, chmodSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { type NewEvent } from '@vigie/event-store';
import { startEmbeddedPostgres } from '@vigie/postgres';
import { syntheticLease } from '../support/lease-events.js';

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

/** The admin key the benchmarks' API processes start with, and its header. */
export const BENCH_ADMIN_KEY = `vigie_00000000000000be_${'BenchAdminKey'.repeat(4).slice(0, 43)}`;
export const BENCH_AUTH = { authorization: `Bearer ${BENCH_ADMIN_KEY}` };

/** fetch as the benchmark's admin. */
export function benchFetch(url: string, init: RequestInit = {}): Promise<Response> {
  return fetch(url, { ...init, headers: { ...BENCH_AUTH, ...(init.headers as Record<string, string> | undefined) } });
}

/**
 * The API in its own process (TypeScript run as is), on a free loopback port, over `databaseUrl`;
 * resolves once /health answers. The process is killed when the benchmark exits.
 */
export async function startApiProcess(
  databaseUrl: string,
  env: Record<string, string> = {},
): Promise<{ base: string; pid: number; stop: () => Promise<void> }> {
  const server = createServer();
  const port = await new Promise<number>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
  );
  await new Promise((resolve) => server.close(resolve));
  const api = spawn(
    process.execPath,
    [
      ...(process.env.BENCH_API_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
      '--import',
      '@swc-node/register/esm-register',
      'apps/api/src/main.ts',
    ],
    {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      env: {
        ...process.env,
        DATABASE_URL: databaseUrl,
        PORT: String(port),
        LOG_LEVEL: 'warn',
        KAFKA_BROKERS: '',
        VIGIE_ADMIN_KEY: BENCH_ADMIN_KEY,
        VIGIE_PSEUDONYMISATION_KEY: 'benchmark-pseudonymisation-key-0123456789',
        ...env,
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  process.once('exit', () => api.kill('SIGKILL'));
  const base = `http://127.0.0.1:${port}`;
  for (let attempt = 0; ; attempt += 1) {
    const ok = await fetch(`${base}/health`).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) break;
    if (attempt > 3_000 || api.exitCode !== null) throw new Error(`API did not start (exit code ${api.exitCode})`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  // Stopped and gone before its database is dropped (a forced drop would kill its connections mid-shutdown).
  const stop = async () => {
    if (api.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => api.once('exit', () => resolve()));
    api.kill('SIGTERM');
    const timer = setTimeout(() => api.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  return { base, pid: api.pid!, stop };
}

/** A LeaseSigned event of `syntheticLease(i)` with a fresh id. */
export function leaseEvent(i: number): NewEvent {
  return { eventId: randomUUID(), type: 'LeaseSigned', data: syntheticLease(i), metadata: { actor: 'bench', source: 'bench' } };
}

/** The raw-`pg` baseline's table: the events table's columns and keys, no store logic. */
export const RAW_TABLE = `CREATE TABLE raw_events (
  global_position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  stream_id text NOT NULL, stream_version integer NOT NULL, event_id uuid NOT NULL UNIQUE,
  event_type text NOT NULL, schema_version smallint NOT NULL, data jsonb NOT NULL, metadata jsonb NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(), UNIQUE (stream_id, stream_version))`;

/** A multi-row INSERT of `rows` events into raw_events. */
export function rawInsertSql(rows: number): string {
  const values = Array.from(
    { length: rows },
    (_, r) => `($${r * 7 + 1},$${r * 7 + 2},$${r * 7 + 3},$${r * 7 + 4},$${r * 7 + 5},$${r * 7 + 6},$${r * 7 + 7})`,
  );
  return `INSERT INTO raw_events (stream_id, stream_version, event_id, event_type, schema_version, data, metadata) VALUES ${values.join(',')}`;
}

export function rawParams(rows: Array<{ streamId: string; version: number; event: NewEvent }>): unknown[] {
  return rows.flatMap(({ streamId, version, event }) => [
    streamId,
    version,
    event.eventId,
    event.type,
    1,
    JSON.stringify(event.data),
    JSON.stringify(event.metadata),
  ]);
}
