import 'reflect-metadata';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '@vigie/config';
import type { RunningApp } from '../../apps/api/src/bootstrap.js';
import { freePort } from '../support/kafka.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import {
  adminFetch,
  bootstrapWithTestOrganisations,
  registerOrganisations,
  TEST_ADMIN_KEY,
  TEST_PSEUDONYMISATION_KEY,
} from '../support/app.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

/** One NDJSON lease row per line, each on its own case. */
function ndjson(rows: number, tag: string, leaseIdOf: (i: number) => string = (i) => `BAIL-${tag}-${i}`): string {
  return Array.from({ length: rows }, (_, i) =>
    JSON.stringify({
      type: 'lease',
      leaseId: leaseIdOf(i),
      caseId: `D-${tag}-${i}`,
      bailleurId: 'lille-metropole-habitat',
      leaseDate: '2026-03-02',
      flat: {
        rplsId: '5935000001',
        communeInsee: '59350',
        epciSiren: '200093201',
        qpvCode: null,
        typology: 'T3',
        financing: 'PLUS',
      },
      household: {
        numeroUnique: `hh-${tag}-${i}`,
        composition: { personsAged14OrMore: 1, childrenUnder14: 0 },
        yearlyResources: 9_800,
      },
      flags: {},
      reservataireId: null,
      gestionMode: 'directe',
    }),
  ).join('\n');
}

async function startImport(url: string, body: string): Promise<string> {
  const response = await adminFetch(`${url}/v1/imports`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-ndjson' },
    body,
  });
  expect(response.status).toBe(202);
  return ((await response.json()) as { id: string }).id;
}

async function report(url: string, id: string): Promise<Json> {
  return (await adminFetch(`${url}/v1/imports/${id}`)).json();
}

async function until<T>(probe: () => Promise<T>, accept: (value: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (accept(value)) return value;
    if (Date.now() > deadline) throw new Error(`not reached: ${JSON.stringify(value).slice(0, 300)}`);
    await sleep(100);
  }
}

function start(db: TestDatabase, env: Record<string, string> = {}): Promise<RunningApp> {
  return bootstrapWithTestOrganisations(
    loadConfig({
      PORT: '0',
      LOG_LEVEL: 'error',
      POLL_INTERVAL_MS: '50',
      VIGIE_ADMIN_KEY: TEST_ADMIN_KEY,
      VIGIE_PSEUDONYMISATION_KEY: TEST_PSEUDONYMISATION_KEY,
      DATABASE_URL: db.url,
      ...env,
    }),
  );
}

describe('Imports under faults', () => {
  let db: TestDatabase;

  beforeEach(async () => {
    db = await createTestDatabase({ migrate: false });
  });

  afterEach(async () => {
    await db.drop();
  });

  const leasesOf = async (id: string) =>
    Number(
      (await db.pool.query("SELECT count(*) FROM events WHERE event_type = 'LeaseSigned' AND metadata->>'importId' = $1", [id]))
        .rows[0].count,
    );

  it('a row PostgreSQL refuses becomes a rejected row; the good rows of its chunk are kept', async () => {
    const app = await start(db);
    try {
      // PostgreSQL itself refuses one row of the second chunk (as it refused a NUL before validation caught it).
      await db.pool.query(`
        CREATE FUNCTION refuse_one() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.data->>'leaseId' = 'BAIL-REFUSED' THEN
            RAISE EXCEPTION 'value refused' USING ERRCODE = '22023';
          END IF;
          RETURN NEW;
        END $$;
        CREATE TRIGGER refuse_one BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION refuse_one();`);
      const id = await startImport(
        app.url,
        ndjson(2_500, 'R', (i) => (i === 1_499 ? 'BAIL-REFUSED' : `BAIL-R-${i}`)),
      );
      const done = await until(
        () => report(app.url, id),
        (r) => r.status !== 'en_attente' && r.status !== 'en_cours',
        60_000,
      );
      expect(done).toMatchObject({ status: 'termine', total: 2_500, done: 2_500, accepted: 2_499, rejected: 1 });
      expect(done.rejections).toEqual([
        {
          line: 1_500,
          reference: 'BAIL-REFUSED',
          field: null,
          value: null,
          code: 'VALUE_NOT_STORABLE',
          message: expect.any(String),
        },
      ]);
      expect(await leasesOf(id)).toBe(2_499);
    } finally {
      await app.close();
    }
  }, 90_000);

  it('an API killed mid-import: the import shows "interrompu" with what it recorded; sent again, nothing is recorded twice', async () => {
    const port = await freePort();
    const api: ChildProcess = spawn(process.execPath, ['--import', '@swc-node/register/esm-register', 'apps/api/src/main.ts'], {
      cwd: ROOT,
      env: {
        ...process.env,
        NODE_OPTIONS: '',
        PORT: String(port),
        LOG_LEVEL: 'error',
        DATABASE_URL: db.url,
        VIGIE_ADMIN_KEY: TEST_ADMIN_KEY,
        VIGIE_PSEUDONYMISATION_KEY: TEST_PSEUDONYMISATION_KEY,
        KAFKA_BROKERS: '',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    api.stderr!.on('data', (chunk) => (stderr += chunk));
    const url = `http://127.0.0.1:${port}`;
    const TOTAL = 20_000;
    const file = ndjson(TOTAL, `K${randomUUID().slice(0, 4)}`);
    let id: string;
    try {
      await until(
        () =>
          fetch(`${url}/health`).then(
            (r) => r.status,
            () => 0,
          ),
        (status) => status === 200,
        60_000,
      );
      await registerOrganisations(url);
      id = await startImport(url, file);
      await until(
        () => report(url, id),
        (r) => r.done >= 3_000 || r.status === 'termine',
        60_000,
      );
    } finally {
      api.kill('SIGKILL');
      await new Promise((resolve) =>
        api.exitCode !== null || api.signalCode !== null ? resolve(null) : api.once('exit', resolve),
      );
    }
    expect(stderr).toBe('');

    const app = await start(db, { IMPORT_STALE_AFTER_S: '1' });
    try {
      await sleep(1_100);
      const interrupted = await report(app.url, id);
      const written = await leasesOf(id);
      console.log(
        `import killed: ${interrupted.done} rows shown done, ${interrupted.accepted} accepted, ${written} leases written`,
      );
      expect(interrupted.status).toBe('interrompu');
      expect(interrupted.error).toMatch(/renvoyez le fichier/);
      expect(interrupted.done).toBeGreaterThanOrEqual(3_000);
      expect(interrupted.done).toBeLessThan(TOTAL);
      // Progress is saved after each chunk: at most the chunk in flight is written and not yet counted.
      expect(written).toBeGreaterThanOrEqual(interrupted.accepted);
      expect(written - interrupted.accepted).toBeLessThanOrEqual(1_000);

      const again = await startImport(app.url, file);
      const done = await until(
        () => report(app.url, again),
        (r) => r.status !== 'en_attente' && r.status !== 'en_cours',
        90_000,
      );
      expect(done).toMatchObject({ status: 'termine', total: TOTAL, rejected: 0 });
      expect(done.accepted + done.alreadyImported).toBe(TOTAL);
      expect(done.alreadyImported).toBe(written);
      const { rows } = await db.pool.query(
        "SELECT count(*) AS n, count(DISTINCT data->>'leaseId') AS d FROM events WHERE event_type = 'LeaseSigned'",
      );
      expect(Number(rows[0].n)).toBe(TOTAL);
      expect(Number(rows[0].d)).toBe(TOTAL);
    } finally {
      await app.close();
    }
  }, 180_000);
});
