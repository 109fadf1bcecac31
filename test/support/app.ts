import 'reflect-metadata';
import { loadConfig } from '@vigie/config';
import type { DestinationStream } from 'pino';
import { bootstrap, type RunningApp } from '../../apps/api/src/bootstrap.js';
import { createTestDatabase, type TestDatabase } from './postgres.js';

export interface TestApp {
  readonly url: string;
  readonly db: TestDatabase;
  readonly running: RunningApp;
  close(): Promise<void>;
}

/** The admin key every test app is started with (VIGIE_ADMIN_KEY); tests act as admin unless they say otherwise. */
export const TEST_ADMIN_KEY = 'vigie_00000000000000ad_TestAdminKeyTestAdminKeyTestAdminKeyTestAdm';
export const TEST_PSEUDONYMISATION_KEY = 'test-pseudonymisation-key-0123456789abcdef';
const ADMIN = { authorization: `Bearer ${TEST_ADMIN_KEY}` };

/** fetch as the admin of the test app (headers given win). */
export function adminFetch(url: string, init: RequestInit = {}): Promise<Response> {
  return fetch(url, { ...init, headers: { ...ADMIN, ...(init.headers as Record<string, string> | undefined) } });
}

/** The real API on a free port, over its own fresh database. */
export async function startTestApp(
  env: Record<string, string> = {},
  options: { logDestination?: DestinationStream; clock?: () => Date } = {},
): Promise<TestApp> {
  const db = await createTestDatabase({ migrate: false });
  const config = loadConfig({
    PORT: '0',
    LOG_LEVEL: 'warn',
    POLL_INTERVAL_MS: '50',
    VIGIE_ADMIN_KEY: TEST_ADMIN_KEY,
    VIGIE_PSEUDONYMISATION_KEY: TEST_PSEUDONYMISATION_KEY,
    ...env,
    DATABASE_URL: db.url,
  });
  const running = await bootstrap(config, options);
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
    headers: { 'content-type': 'application/json', ...ADMIN, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    body: text ? JSON.parse(text) : undefined,
  };
}

export async function putJson(url: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', ...ADMIN, ...headers },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

export async function getJson(url: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, { headers: { ...ADMIN, ...headers } });
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

export interface TestKey {
  readonly id: string;
  readonly key: string;
  /** Authorization header of this key. */
  readonly auth: Record<string, string>;
}

/** Creates an API key for a role and an organisation through the admin API. */
export async function createKey(
  url: string,
  role: string,
  tenant: string | null,
  label = `${role} ${tenant ?? ''}`,
): Promise<TestKey> {
  const response = await postJson(`${url}/v1/admin/api-keys`, { role, tenant, label });
  if (response.status !== 201) throw new Error(`Key not created: ${response.status} ${JSON.stringify(response.body)}`);
  return { id: response.body.id, key: response.body.key, auth: { authorization: `Bearer ${response.body.key}` } };
}
