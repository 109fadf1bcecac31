import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from './kafka.js';
import { TEST_ADMIN_KEY, TEST_PSEUDONYMISATION_KEY } from './app.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A Vigie entry point run as its own process (TypeScript registered by SWC), as an operator runs it. */
export interface VigieProcess {
  readonly child: ChildProcess;
  /** What it printed on stderr so far. */
  stderr(): string;
  /** Resolves once the process has exited (at once if it already has). */
  exited(): Promise<void>;
  /** SIGKILL: no shutdown hook runs, as in a power cut or an OOM kill. */
  kill(): Promise<void>;
  /** SIGTERM: the process's own shutdown. */
  stop(): Promise<void>;
}

function run(entry: string, env: Record<string, string>): VigieProcess {
  const child = spawn(process.execPath, ['--import', '@swc-node/register/esm-register', entry], {
    cwd: ROOT,
    env: { ...process.env, NODE_OPTIONS: '', KAFKA_BROKERS: '', LOG_LEVEL: 'error', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const exited = () =>
    new Promise<void>((resolve) =>
      child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve()),
    );
  return {
    child,
    stderr: () => stderr,
    exited,
    async kill() {
      child.kill('SIGKILL');
      await exited();
    },
    async stop() {
      child.kill('SIGTERM');
      await exited();
    },
  };
}

/** apps/projector over `databaseUrl` (no Kafka): every projection and the alert monitor. */
export function startProjectorProcess(databaseUrl: string, env: Record<string, string> = {}): VigieProcess {
  return run('apps/projector/src/main.ts', { DATABASE_URL: databaseUrl, POLL_INTERVAL_MS: '50', ...env });
}

/** apps/api over `databaseUrl` on a free port, with the test admin key; resolves once /health answers 200. */
export async function startApiProcess(
  databaseUrl: string,
  env: Record<string, string> = {},
): Promise<VigieProcess & { readonly url: string }> {
  const port = await freePort();
  const api = run('apps/api/src/main.ts', {
    PORT: String(port),
    DATABASE_URL: databaseUrl,
    VIGIE_ADMIN_KEY: TEST_ADMIN_KEY,
    VIGIE_PSEUDONYMISATION_KEY: TEST_PSEUDONYMISATION_KEY,
    ...env,
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    const status = await fetch(`${url}/health`).then(
      (response) => response.status,
      () => 0,
    );
    if (status === 200) return { ...api, url };
    if (api.child.exitCode !== null || Date.now() > deadline) {
      await api.kill();
      throw new Error(`API did not start (health ${status}): ${api.stderr()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
