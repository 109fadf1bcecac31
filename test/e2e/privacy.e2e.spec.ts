import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { promisify } from 'node:util';
import { Pseudonymiser } from '@vigie/access';
import { loadConfig } from '@vigie/config';
import { startRuntime } from '../../apps/api/src/platform/runtime.js';
import { createTestDatabase } from '../support/postgres.js';
import { createKey, getJson, postJson, startTestApp, TEST_PSEUDONYMISATION_KEY, type TestApp, waitFor } from '../support/app.js';

const run = promisify(execFile);

/** A numéro unique that must never be stored or logged in clear, in any case or spacing. */
const NUD = '059122700000PLANTED42';
const MEL = '200093201';

/** pg_dump of the test database; with a server newer than the client, a dump of every table through COPY. */
async function dumpDatabase(app: TestApp): Promise<string> {
  const candidates = [
    '/usr/bin/pg_dump',
    ...(existsSync('/usr/lib/postgresql')
      ? readdirSync('/usr/lib/postgresql').map((v) => `/usr/lib/postgresql/${v}/bin/pg_dump`)
      : []),
  ];
  const pgDump = candidates.find((path) => existsSync(path));
  if (pgDump) {
    try {
      const { stdout } = await run(pgDump, ['--no-owner', app.db.url], { maxBuffer: 512 * 1024 * 1024 });
      return stdout;
    } catch (error) {
      if (!/version mismatch/.test(String((error as { stderr?: string }).stderr))) throw error;
    }
  }
  const { rows: tables } = await app.db.pool.query<{ name: string }>(
    "SELECT format('%I.%I', schemaname, tablename) AS name FROM pg_tables WHERE schemaname = 'public'",
  );
  if (!tables.length) throw new Error('No table to dump');
  let dump = '';
  for (const { name } of tables) {
    const { rows } = await app.db.pool.query(`SELECT * FROM ${name}`);
    dump += `-- ${name}\n${rows.map((row) => JSON.stringify(row)).join('\n')}\n`;
  }
  return dump;
}

describe('Privacy: the pseudonymisation key', () => {
  it('is required with an external database (every process must share it), and named when missing', async () => {
    const db = await createTestDatabase({ migrate: false });
    try {
      const config = loadConfig({ DATABASE_URL: db.url, PORT: '0' });
      await expect(startRuntime(config, () => undefined)).rejects.toThrow(
        /VIGIE_PSEUDONYMISATION_KEY: required when DATABASE_URL is set/,
      );
      expect(() => loadConfig({ VIGIE_PSEUDONYMISATION_KEY: 'too-short' })).toThrow(
        /VIGIE_PSEUDONYMISATION_KEY: must be at least 32 characters/,
      );
    } finally {
      await db.drop();
    }
  });
});

describe('Privacy: household numbers pseudonymised on entry, logs without personal data', () => {
  let app: TestApp;
  const logLines: string[] = [];

  beforeAll(async () => {
    app = await startTestApp({ LOG_LEVEL: 'verbose' }, { logDestination: { write: (line: string) => void logLines.push(line) } });
  });

  afterAll(async () => {
    await app.close();
  });

  it('never lets a planted numéro unique reach the database or the logs in clear', async () => {
    const bailleur = await createKey(app.url, 'bailleur', 'lmh');
    const flat = {
      rplsId: '5935000001',
      communeInsee: '59350',
      epciSiren: MEL,
      qpvCode: null,
      typology: 'T3',
      financing: 'PLUS',
    };
    // Through every way in: a CAL decision, a refusal, a lease refused after it, an import, a lease, a bad request.
    const cal = await postJson(
      `${app.url}/v1/cal-decisions`,
      {
        eventId: randomUUID(),
        caseId: 'C-PRIV-1',
        bailleurId: 'lmh',
        calDate: '2026-02-01',
        flat,
        candidates: [
          { rank: 1, numeroUnique: NUD, decision: 'attribution' },
          { rank: 2, numeroUnique: 'nud-other-household', decision: 'attribution_sous_condition' },
        ],
        reservataireId: null,
      },
      bailleur.auth,
    );
    expect(cal.status).toBe(201);
    const declined = await postJson(
      `${app.url}/v1/cal-decisions/C-PRIV-1/offer-declined`,
      // The same household, written with spaces and in lower case: the same pseudonym.
      {
        eventId: randomUUID(),
        bailleurId: 'lmh',
        numeroUnique: NUD.toLowerCase().replace('planted', ' planted '),
        declinedOn: '2026-02-05',
      },
      bailleur.auth,
    );
    expect(declined.status).toBe(201);
    const lease = {
      leaseId: 'L-PRIV-1',
      caseId: 'C-PRIV-1',
      bailleurId: 'lmh',
      leaseDate: '2026-02-10',
      flat,
      household: { numeroUnique: NUD, composition: { personsAged14OrMore: 1, childrenUnder14: 0 }, yearlyResources: 9_000 },
      reservataireId: null,
      gestionMode: 'directe',
    };
    const refused = await postJson(`${app.url}/v1/leases`, { eventId: randomUUID(), ...lease }, bailleur.auth);
    expect(refused.body.code).toBe('LEASE_AFTER_DECLINED_OFFER');
    const signed = await postJson(
      `${app.url}/v1/leases`,
      { eventId: randomUUID(), ...lease, caseId: 'C-PRIV-2', leaseId: 'L-PRIV-2' },
      bailleur.auth,
    );
    expect(signed.status).toBe(201);
    const bad = await postJson(`${app.url}/v1/leases`, { ...lease, leaseDate: 'hier' }, bailleur.auth);
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).not.toContain(NUD);
    const imported = await fetch(`${app.url}/v1/imports`, {
      method: 'POST',
      headers: { ...bailleur.auth, 'content-type': 'text/csv' },
      body: [
        'type;reference_bail;reference_dossier;bailleur;date_bail;rpls;code_insee;siren_epci;typologie;financement;menage;personnes_14_ans_et_plus;revenus_annuels;mode_gestion',
        `bail;L-PRIV-3;C-PRIV-3;lmh;2026-03-01;5935000001;59350;${MEL};T3;PLUS;${NUD};1;9000;directe`,
        `bail;L-PRIV-4;C-PRIV-4;lmh;2026-13-01;5935000001;59350;${MEL};T3;PLUS;${NUD};1;9000;directe`,
      ].join('\n'),
    });
    const { id } = (await imported.json()) as { id: string };
    const report = await waitFor(
      () => getJson(`${app.url}/v1/imports/${id}`, bailleur.auth),
      (r) => r.body.status === 'termine',
    );
    expect(report.body).toMatchObject({ accepted: 1, rejected: 1 });

    // What was recorded: the keyed pseudonym, the same for the CAL, the refusal, the lease and the import.
    const pseudonym = new Pseudonymiser(TEST_PSEUDONYMISATION_KEY).pseudonymise(NUD);
    expect(pseudonym).toMatch(/^h1-[A-Za-z0-9_-]{27}$/);
    const { rows } = await app.db.pool.query<{ event_type: string; data: string }>(
      "SELECT event_type, data::text AS data FROM events WHERE stream_id LIKE 'attribution:lmh:C-PRIV-%' ORDER BY global_position",
    );
    expect(rows.map((row) => [row.event_type, row.data.includes(pseudonym)])).toEqual([
      ['CalDecisionRecorded', true],
      ['OfferDeclined', true],
      ['LeaseSigned', true],
      ['LeaseSigned', true],
    ]);

    const dump = await dumpDatabase(app);
    expect(dump.length).toBeGreaterThan(10_000);
    expect(dump).toContain(pseudonym);
    expect(dump.toUpperCase()).not.toContain('PLANTED42');
    expect(dump).not.toContain(NUD);

    const logs = logLines.join('');
    expect(logLines.length).toBeGreaterThan(10);
    expect(logs.toUpperCase()).not.toContain('PLANTED42');
    expect(logs).not.toContain(pseudonym);
    // Structured: one JSON object per line; requests logged by route pattern, never with their ids.
    const entries = logs
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const requests = entries.filter((entry) => entry.msg === 'request');
    expect(requests.map((entry) => entry.route)).toEqual(
      expect.arrayContaining(['/v1/leases', '/v1/cal-decisions/:caseId/offer-declined', '/v1/imports/:id']),
    );
    expect(logs).not.toContain('C-PRIV-1');
    expect(logs).not.toContain('L-PRIV');
    expect(logs).not.toContain(bailleur.key);
  });
});
