import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { TEST_PSEUDONYMISATION_KEY, TEST_SESSION_SECRET } from '../support/app.js';

/** Runs the API's main (as `npm start` does, from the sources) and returns its exit code and what it wrote. */
function runMain(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', '@swc-node/register/esm-register', 'apps/api/src/main.ts'], {
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
