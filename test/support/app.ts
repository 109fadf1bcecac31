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
export const TEST_SESSION_SECRET = 'test-session-secret-0123456789abcdef0123';
const ADMIN = { authorization: `Bearer ${TEST_ADMIN_KEY}` };

/** fetch as the admin of the test app (headers given win). */
export function adminFetch(url: string, init: RequestInit = {}): Promise<Response> {
  return fetch(url, { ...init, headers: { ...ADMIN, ...(init.headers as Record<string, string> | undefined) } });
}

/**
 * The organisations the specs name, registered (as an admin would) when a test app starts:
 * Vigie refuses facts and keys naming an organisation it does not know.
 */
export const TEST_BAILLEURS = [
  'lmh',
  'lille-metropole-habitat',
  'years',
  'perim',
  'valid',
  'vilogia',
  'bil',
  'partenord',
  'lmh-x',
  'lille-metropole-habitat-x',
  'retard',
  'paris-habitat',
  'pdc',
  'sia',
  'notre-logis',
  'maisons-et-cites',
] as const;
export const TEST_RESERVATAIRES = [
  ['action-logement', 'action_logement'],
  ['als', 'action_logement'],
  ['etat-59', 'etat'],
  ['ville-de-lille', 'collectivite'],
  ['ville', 'collectivite'],
  ['mel', 'collectivite'],
  ['departement-59', 'collectivite'],
] as const;

/**
 * Vigie started by `bootstrap` with the test organisations registered (facts name registered
 * organisations only): for the suites that start it on a database of their own.
 */
export async function bootstrapWithTestOrganisations(...args: Parameters<typeof bootstrap>): Promise<RunningApp> {
  const app = await bootstrap(...args);
  await registerOrganisations(app.url);
  return app;
}

export async function registerOrganisations(
  url: string,
  organisations: { bailleurs?: readonly string[]; reservataires?: ReadonlyArray<readonly [string, string]> } = {},
): Promise<void> {
  for (const id of organisations.bailleurs ?? TEST_BAILLEURS) {
    const response = await putJson(`${url}/v1/bailleurs/${id}`, { name: `Bailleur ${id}`, siren: null });
    if (response.status !== 201 && response.status !== 200) throw new Error(`Bailleur ${id} not registered: ${response.status}`);
  }
  for (const [id, kind] of organisations.reservataires ?? TEST_RESERVATAIRES) {
    const response = await putJson(`${url}/v1/reservataires/${id}`, { name: `Réservataire ${id}`, kind });
    if (response.status !== 201 && response.status !== 200)
      throw new Error(`Réservataire ${id} not registered: ${response.status}`);
  }
}

/**
 * The real API on a free port, over its own fresh database, with the test organisations
 * registered (`organisations: false`: none, for a spec about registration itself).
 */
export async function startTestApp(
  env: Record<string, string> = {},
  options: { logDestination?: DestinationStream; clock?: () => Date; organisations?: boolean } = {},
): Promise<TestApp> {
  const db = await createTestDatabase({ migrate: false });
  const config = loadConfig({
    PORT: '0',
    LOG_LEVEL: 'warn',
    POLL_INTERVAL_MS: '50',
    VIGIE_ADMIN_KEY: TEST_ADMIN_KEY,
    VIGIE_PSEUDONYMISATION_KEY: TEST_PSEUDONYMISATION_KEY,
    VIGIE_SESSION_SECRET: TEST_SESSION_SECRET,
    ...env,
    DATABASE_URL: db.url,
  });
  const running = await bootstrap(config, options);
  if (options.organisations !== false) await registerOrganisations(running.url);
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
