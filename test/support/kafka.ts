import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';

const BROKER_SCRIPT = fileURLToPath(new URL('../../infra/kafka/broker.sh', import.meta.url));

export interface RunningKafka {
  readonly brokers: string;
  readonly port: number;
  readonly controllerPort: number;
  readonly dataDir: string;
  readonly pid: number;
  /** Stops the broker (SIGTERM, then SIGKILL); its data folder is kept for a restart. */
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

async function freePortPair(): Promise<[number, number]> {
  for (;;) {
    const port = await freePort();
    const controller = await freePort();
    if (controller !== port) return [port, controller];
  }
}

/**
 * Starts a real single-node KRaft broker on free loopback ports (infra/kafka/broker.sh) and
 * waits until kafkajs can talk to it. Pass `dataDir` and ports of a stopped broker to restart it.
 */
export async function startKafka(
  options: { dataDir?: string; port?: number; controllerPort?: number; timeoutMs?: number } = {},
): Promise<RunningKafka> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'vigie-kafka-'));
  const [port, controllerPort] =
    options.port && options.controllerPort ? [options.port, options.controllerPort] : await freePortPair();
  let output = '';
  const child: ChildProcess = spawn('bash', [BROKER_SCRIPT, 'run', dataDir, String(port), String(controllerPort)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  child.stdout?.on('data', (chunk) => (output = (output + chunk).slice(-4000)));
  child.stderr?.on('data', (chunk) => (output = (output + chunk).slice(-4000)));
  let exited = false;
  child.once('exit', () => (exited = true));
  const brokers = `127.0.0.1:${port}`;
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  const admin = new Kafka({
    clientId: 'vigie-test-probe',
    brokers: [brokers],
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
  }).admin();
  for (;;) {
    if (exited) throw new Error(`Kafka broker exited during start-up:\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`Kafka broker not ready on ${brokers} in time:\n${output}`);
    }
    try {
      await admin.connect();
      await admin.listTopics();
      await admin.disconnect();
      break;
    } catch {
      await admin.disconnect().catch(() => undefined);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  return {
    brokers,
    port,
    controllerPort,
    dataDir,
    pid: child.pid!,
    stop: () =>
      new Promise<void>((resolveStop) => {
        if (exited) return resolveStop();
        const killer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 15_000);
        child.once('exit', () => {
          clearTimeout(killer);
          resolveStop();
        });
        process.kill(-child.pid!, 'SIGTERM');
      }),
  };
}

export function removeKafkaData(kafka: RunningKafka): void {
  rmSync(kafka.dataDir, { recursive: true, force: true });
}
