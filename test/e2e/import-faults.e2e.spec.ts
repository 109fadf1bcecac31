import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { loadConfig } from '@vigie/config';
import type { RunningApp } from '../../apps/api/src/bootstrap.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { startApiProcess } from '../support/processes.js';
import { importReport, importSettled, startImport } from '../support/imports.js';
import {
  bootstrapWithTestOrganisations,
  registerOrganisations,
  TEST_ADMIN_KEY,
  TEST_PSEUDONYMISATION_KEY,
  waitFor,
} from '../support/app.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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
      const done = await waitFor(() => importReport(app.url, id), importSettled, 60_000);
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

  it('an API stopped after saving its last chunk but before saying « terminé »: the import shows « terminé », not « interrompu »', async () => {
    const first = await start(db);
    let id: string;
    try {
      id = await startImport(first.url, ndjson(1_500, `F${randomUUID().slice(0, 4)}`));
      expect(await waitFor(() => importReport(first.url, id), importSettled, 60_000)).toMatchObject({ status: 'termine' });
    } finally {
      await first.close();
    }
    // The final save lost: the stored report still says « en cours », with every row done.
    await db.pool.query(
      `UPDATE imports SET status = 'en_cours', report = jsonb_set(report, '{status}', '"en_cours"') || '{"finishedAt": null}' WHERE id = $1`,
      [id],
    );
    const app = await start(db, { IMPORT_STALE_AFTER_S: '1' });
    try {
      await sleep(1_100);
      const shown = await importReport(app.url, id);
      expect(shown).toMatchObject({ status: 'termine', total: 1_500, done: 1_500, accepted: 1_500, error: null });
      expect(shown.finishedAt).not.toBeNull();
      expect(await leasesOf(id)).toBe(1_500);
      const { rows } = await db.pool.query('SELECT status FROM imports WHERE id = $1', [id]);
      expect(rows[0].status).toBe('termine');
    } finally {
      await app.close();
    }
  }, 90_000);

  it('an API killed mid-import: the import shows "interrompu" with what it recorded; sent again, nothing is recorded twice', async () => {
    const TOTAL = 20_000;
    const file = ndjson(TOTAL, `K${randomUUID().slice(0, 4)}`);
    let id: string;
    const api = await startApiProcess(db.url);
    const url = api.url;
    try {
      await registerOrganisations(url);
      id = await startImport(url, file);
      await waitFor(
        () => importReport(url, id),
        (r) => r.done >= 3_000 || r.status === 'termine',
        60_000,
      );
    } finally {
      await api.kill();
    }
    expect(api.stderr()).toBe('');

    const app = await start(db, { IMPORT_STALE_AFTER_S: '1' });
    try {
      await sleep(1_100);
      const interrupted = await importReport(app.url, id);
      const written = await leasesOf(id);
      console.log(
        `import killed: ${interrupted.done} rows shown done, ${interrupted.accepted} accepted, ${written} leases written`,
      );
      expect(interrupted.status).toBe('interrompu');
      expect(interrupted.error).toMatch(/renvoyez le fichier/);
      expect(interrupted.recorded).toBe(written);
      expect(interrupted.done).toBeGreaterThanOrEqual(3_000);
      expect(interrupted.done).toBeLessThan(TOTAL);
      // Progress is saved after each chunk: at most the chunk in flight is written and not yet counted.
      expect(written).toBeGreaterThanOrEqual(interrupted.accepted);
      expect(written - interrupted.accepted).toBeLessThanOrEqual(1_000);

      const again = await startImport(app.url, file);
      const done = await waitFor(() => importReport(app.url, again), importSettled, 90_000);
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
