import { execFile } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';

const run = promisify(execFile);
const BIN = process.env.VIGIE_TEST_PG_BIN ?? '/usr/lib/postgresql/15/bin';

/** Whether the PostgreSQL server binaries (initdb, pg_ctl) are installed. */
export function privateClustersAvailable(): boolean {
  return existsSync(join(BIN, 'initdb')) && existsSync(join(BIN, 'pg_ctl'));
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

/**
 * A PostgreSQL cluster of the test's own (initdb + pg_ctl), for the faults a test must cause on
 * the server itself: restart, dump and restore onto a server whose transaction counter is behind.
 * The shared server of the run is never stopped. Run as the `postgres` system user when the test
 * runs as root (PostgreSQL refuses to run as root).
 */
export interface PrivateCluster {
  readonly port: number;
  readonly dir: string;
  url(database: string): string;
  createDatabase(name: string): Promise<string>;
  start(): Promise<void>;
  /** `fast`: disconnects every client and stops (what an operator's restart does). */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  /** psql-less tools of the same version: pg_dump, pg_restore… */
  tool(name: string, args: string[]): Promise<string>;
  destroy(): Promise<void>;
}

function shellQuote(arg: string): string {
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

async function asPostgres(command: string, args: string[]): Promise<string> {
  const line = [join(BIN, command), ...args].map(shellQuote).join(' ');
  const { stdout } = userInfo().uid === 0 ? await run('su', ['postgres', '-c', line]) : await run('sh', ['-c', line]);
  return stdout;
}

export async function startPrivateCluster(options: { xidEpoch?: number } = {}): Promise<PrivateCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'vigie-pg-cluster-'));
  chmodSync(dir, 0o777);
  if (userInfo().uid === 0) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const data = join(dir, 'data');
  await asPostgres('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  // pg_resetwal -e sets the transaction id epoch: a server with epoch 1 hands out xid8 values above
  // 2^32, as a long-lived server does; a fresh server (epoch 0) is then far behind it.
  if (options.xidEpoch !== undefined) await asPostgres('pg_resetwal', ['-e', String(options.xidEpoch), '-D', data]);
  const port = await freePort();
  const cluster: PrivateCluster = {
    port,
    dir,
    url: (database) => `postgres://postgres@127.0.0.1:${port}/${database}`,
    async createDatabase(name) {
      const client = new Client({ connectionString: cluster.url('postgres') });
      await client.connect();
      await client.query(`CREATE DATABASE ${name}`);
      await client.end();
      return cluster.url(name);
    },
    async start() {
      await asPostgres('pg_ctl', [
        '-D',
        data,
        '-w',
        '-o',
        `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off`,
        '-l',
        join(dir, 'server.log'),
        'start',
      ]);
    },
    async stop(mode = 'fast') {
      await asPostgres('pg_ctl', ['-D', data, '-w', '-m', mode, 'stop']);
    },
    tool: (name, args) => asPostgres(name, args),
    async destroy() {
      await cluster.stop('immediate').catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await cluster.start();
  return cluster;
}
