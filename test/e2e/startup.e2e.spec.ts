import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:net';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { TEST_PSEUDONYMISATION_KEY, TEST_SESSION_SECRET } from '../support/app.js';
import { randomUUID } from 'node:crypto';
import { attributionStreamId } from '@vigie/domain';
import { eventStoreMigrations, PostgresEventStore } from '@vigie/event-store';
import { createPool, embeddedDataDir, migrate, type RunningPostgres, startEmbeddedPostgres } from '@vigie/postgres';
import { projectionMigrations } from '@vigie/projections';
import { freePort } from '../support/kafka.js';
import { syntheticLease } from '../support/lease-events.js';

/** Runs the API's main (as `npm start` does, from the sources) and returns its exit code and what it wrote. */
function runMain(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runScript('apps/api/src/main.ts', [], env);
}

/** Runs a main from the sources with `args` and only `env` (and PATH), and returns its exit code and what it wrote. */
function runScript(
  script: string,
  args: readonly string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', '@swc-node/register/esm-register', script, ...args], {
      env: { PATH: process.env.PATH, LOG_LEVEL: 'log', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('Start-up on a port another process holds', () => {
  let db: TestDatabase;
  let holder: Server;
  let port: number;

  beforeAll(async () => {
    db = await createTestDatabase({ migrate: false });
    holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    port = (holder.address() as { port: number }).port;
  });

  afterAll(async () => {
    await new Promise((resolve) => holder.close(resolve));
    await db.drop();
  });

  it('exits 1 with one French line naming the port, before any migration or key, and never says it started', async () => {
    const run = await runMain({
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: db.url,
      VIGIE_PSEUDONYMISATION_KEY: TEST_PSEUDONYMISATION_KEY,
      VIGIE_SESSION_SECRET: TEST_SESSION_SECRET,
    });
    expect({ code: run.code, stderr: run.stderr.replace(/^\(node:\d+\).*\n|^\(Use `node.*\n/gm, '') }).toEqual({
      code: 1,
      stderr: `port ${port} déjà utilisé : définissez PORT\n`,
    });
    expect(run.stdout).not.toMatch(/successfully started|EADDRINUSE/);
    const tables = await db.pool.query(`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public'`);
    expect(tables.rows[0].n).toBe(0);
  }, 60_000);
});

describe('Start-up of the embedded PostgreSQL on a port another process holds', () => {
  let holder: Server;
  let port: number;
  let dataDir: string;

  beforeAll(async () => {
    holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    port = (holder.address() as { port: number }).port;
    // Traversable by the `postgres` user that root runs the server as.
    dataDir = mkdtempSync(join(tmpdir(), 'vigie-startup-'));
    chmodSync(dataDir, 0o777);
  });

  afterAll(async () => {
    await new Promise((resolve) => holder.close(resolve));
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('exits 1 with one French line giving PostgreSQL’s reason and what to set, no stack', async () => {
    const run = await runMain({ PORT: '0', VIGIE_DATA_DIR: dataDir, EMBEDDED_POSTGRES_PORT: String(port) });
    const stderr = run.stderr.replace(/^\(node:\d+\).*\n|^\(Use `node.*\n/gm, '');
    expect(run.code).toBe(1);
    expect(stderr.split('\n')).toEqual([
      `la base PostgreSQL intégrée (${join(dataDir, 'postgres')}) ne démarre pas (FATAL:  could not create any TCP/IP sockets) : libérez le port ${port} ou définissez EMBEDDED_POSTGRES_PORT, ou définissez DATABASE_URL`,
      '',
    ]);
  }, 120_000);
});

describe('The projector’s commands without DATABASE_URL', () => {
  let dataDir: string;
  let embedded: RunningPostgres;

  beforeAll(async () => {
    // The embedded database `npm start` runs, with one lease in it.
    dataDir = mkdtempSync(join(tmpdir(), 'vigie-projector-'));
    chmodSync(dataDir, 0o777);
    embedded = await startEmbeddedPostgres({ dataDir: embeddedDataDir(dataDir), port: await freePort() });
    const pool = createPool(embedded.connectionString, 2);
    await migrate(pool, [...eventStoreMigrations, ...projectionMigrations]);
    const lease = syntheticLease(1);
    await new PostgresEventStore(pool).appendMany([
      {
        streamId: attributionStreamId(lease.bailleurId, lease.caseId),
        events: [{ eventId: randomUUID(), type: 'LeaseSigned', data: lease, metadata: { actor: 'spec' } }],
      },
    ]);
    await pool.end();
  }, 120_000);

  afterAll(async () => {
    await embedded.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('rebuild works on the embedded database of VIGIE_DATA_DIR, and leaves the server it reused running', async () => {
    const port = new URL(embedded.connectionString).port;
    const run = await runScript('apps/projector/src/main.ts', ['rebuild', 'compliance'], {
      VIGIE_DATA_DIR: dataDir,
      EMBEDDED_POSTGRES_PORT: port,
    });
    expect([run.code, run.stderr.replace(/^\(node:\d+\).*\n|^\(Use `node.*\n/gm, '')]).toEqual([0, '']);
    expect(run.stdout).toMatch(/rebuild compliance: 1 events/);
    const pool = createPool(embedded.connectionString, 1);
    const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM lease_facts');
    await pool.end();
    expect(rows[0]!.n).toBe(1);
  }, 120_000);

  it('rebuild on a data folder without a database refuses in one French line and creates nothing', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'vigie-projector-empty-'));
    try {
      const run = await runScript('apps/projector/src/main.ts', ['rebuild', 'compliance'], {
        VIGIE_DATA_DIR: empty,
        EMBEDDED_POSTGRES_PORT: String(await freePort()),
      });
      expect(run.code).toBe(2);
      expect(run.stderr.replace(/^\(node:\d+\).*\n|^\(Use `node.*\n/gm, '')).toMatch(
        /^aucune base PostgreSQL intégrée dans .+ : lancez d’abord npm start avec le même VIGIE_DATA_DIR \(.+\), ou définissez DATABASE_URL\n$/,
      );
      expect(existsSync(join(empty, 'postgres', 'PG_VERSION'))).toBe(false);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  }, 60_000);
});
