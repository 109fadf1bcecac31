import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from '../../../test/support/kafka.js';
import { startEmbeddedPostgres } from './embedded-postgres.js';

const postmasterPid = (dataDir: string) => Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);

/** The `postgres` user's id, as whom root runs the embedded server. */
const idOf = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function answers(connectionString: string): Promise<number> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    return (await client.query<{ one: number }>('SELECT 1 AS one')).rows[0]!.one;
  } finally {
    await client.end();
  }
}

/** Starts the embedded server from a child process (as `npm start` does) and kills that process hard. */
async function startThenKillOwner(dataDir: string, port: number): Promise<void> {
  const owner = spawn(
    process.execPath,
    ['--import', '@swc-node/register/esm-register', 'test/support/embedded-postgres-owner.ts', dataDir, String(port)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  await new Promise<void>((resolve, reject) => {
    owner.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
    owner.once('exit', (code) => reject(new Error(`owner exited ${code}`)));
  });
  const exited = new Promise((resolve) => owner.once('exit', resolve));
  owner.kill('SIGKILL');
  await exited;
}

describe('Embedded PostgreSQL after its owning process was killed', () => {
  let parent: string;
  let dataDir: string;
  let port: number;

  beforeAll(async () => {
    parent = mkdtempSync(join(tmpdir(), 'vigie-embedded-'));
    chmodSync(parent, 0o777);
    dataDir = join(parent, 'data');
    port = await freePort();
  });

  afterAll(() => {
    // The server the killed owner left running: ours to stop.
    try {
      process.kill(postmasterPid(dataDir), 'SIGINT');
    } catch {
      // Already stopped.
    }
    rmSync(parent, { recursive: true, force: true });
  });

  it('reuses the server still serving the folder, on its port, instead of failing on postmaster.pid', async () => {
    await startThenKillOwner(dataDir, port);
    const left = postmasterPid(dataDir);
    const again = await startEmbeddedPostgres({ dataDir, port: await freePort() });
    expect(new URL(again.connectionString).port).toBe(String(port));
    expect(await answers(again.connectionString)).toBe(1);
    await again.stop();
    // Not this process's server: stopping leaves it serving the others.
    expect(postmasterPid(dataDir)).toBe(left);
    expect(await answers(again.connectionString)).toBe(1);
  }, 120_000);

  it('starts anew over a stale lock whose process is not PostgreSQL', async () => {
    const left = postmasterPid(dataDir);
    process.kill(left, 'SIGINT');
    while (alive(left)) await new Promise((resolve) => setTimeout(resolve, 100));
    // A lock naming a live process that is not the server, as after a reboot reused the PID: of the
    // server's own user, which PostgreSQL alone takes for a running server (it ignores its parent's
    // PID and, as root runs it as `postgres`, another user's).
    const asServer = userInfo().uid === 0 ? { uid: idOf('-u'), gid: idOf('-g') } : {};
    const other = spawn('sleep', ['60'], asServer);
    writeFileSync(join(dataDir, 'postmaster.pid'), `${other.pid}\n${dataDir}\n0\n${port}\n`);
    try {
      const fresh = await startEmbeddedPostgres({ dataDir, port });
      expect(postmasterPid(dataDir)).not.toBe(other.pid);
      expect(await answers(fresh.connectionString)).toBe(1);
      await fresh.stop();
    } finally {
      other.kill();
    }
  }, 120_000);
});
