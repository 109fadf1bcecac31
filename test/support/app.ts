import 'reflect-metadata';
import { loadConfig } from '@vigie/config';
import { bootstrap, type RunningApp } from '../../apps/api/src/bootstrap.js';
import { createTestDatabase, type TestDatabase } from './postgres.js';

export interface TestApp {
  readonly url: string;
  readonly db: TestDatabase;
  readonly running: RunningApp;
  close(): Promise<void>;
}

/** The real API on a free port, over its own fresh database. */
export async function startTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const db = await createTestDatabase({ migrate: false });
  const config = loadConfig({ PORT: '0', LOG_LEVEL: 'warn', POLL_INTERVAL_MS: '50', ...env, DATABASE_URL: db.url });
  const running = await bootstrap(config);
  return {
    url: running.url,
    db,
    running,
    async close() {
      await running.close();
      await db.drop();
    },
  };
}

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    body: text ? JSON.parse(text) : undefined,
  };
}

export async function getJson(url: string) {
  const response = await fetch(url);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { status: response.status, body: (await response.json()) as any };
}

export async function waitFor<T>(probe: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (accept(value)) return value;
    if (Date.now() > deadline) throw new Error(`Not reached in time; last value: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
