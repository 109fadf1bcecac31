import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { promisify } from 'node:util';
import { Pseudonymiser } from '@vigie/access';
import { loadConfig } from '@vigie/config';
import { startRuntime } from '../../apps/api/src/platform/runtime.js';
import { createTestDatabase } from '../support/postgres.js';
import {
  adminFetch,
  createKey,
  getJson,
  postJson,
  startTestApp,
  TEST_PSEUDONYMISATION_KEY,
  type TestApp,
  waitFor,
} from '../support/app.js';

const run = promisify(execFile);

/** A numéro unique that must never be stored or logged in clear, in any case or spacing. */
const NUD = '059122700000PLANTED42';
const MEL = '200093201';

/** A numéro unique as bailleurs write it (13 digits), its 18-digit form, and spaced: planted where only free text goes. */
const NUMBER = '0591227000123';
const PLANTED = [NUMBER, '059122700012345678', '059 1227 000123'];
/** What must never appear in the database, the logs or an answer: the digits of any planted form. */
const TRACES = ['1227000123', '122700012345678'];
const leaks = (text: string) => TRACES.some((trace) => text.replace(/\s/g, '').includes(trace));

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
        'type;reference_bail;reference_dossier;bailleur;date_bail;rpls;code_insee;siren_epci;typologie;financement;menage;personnes_14_ans_et_plus;revenus_annuels;mode_gestion;reservataire',
        `bail;L-PRIV-3;C-PRIV-3;lmh;2026-03-01;5935000001;59350;${MEL};T3;PLUS;${NUD};1;9000;directe;`,
        `bail;L-PRIV-4;C-PRIV-4;lmh;2026-13-01;5935000001;59350;${MEL};T3;PLUS;${NUD};1;9000;directe;`,
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
    // The dump holds the facts just written (a size threshold failed with the smaller table-by-table fallback).
    expect(dump).toContain('L-PRIV-2');
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
  it('refuses a numéro unique planted in any free-text field, replaces it in X-Correlation-Id, masks it in an import key', async () => {
    const bailleur = await createKey(app.url, 'bailleur', 'lmh');
    const flat = {
      rplsId: '5935000001',
      communeInsee: '59350',
      epciSiren: MEL,
      qpvCode: null,
      typology: 'T3',
      financing: 'PLUS',
    };
    const lease = (extra: Record<string, unknown> = {}) => ({
      leaseId: 'L-FREE-1',
      caseId: 'C-FREE-1',
      bailleurId: 'lmh',
      leaseDate: '2026-02-10',
      flat,
      household: {
        numeroUnique: 'nud-free-1',
        composition: { personsAged14OrMore: 1, childrenUnder14: 0 },
        yearlyResources: 9_000,
      },
      reservataireId: null,
      gestionMode: 'directe',
      ...extra,
    });
    // Every free-text field of every write: [method, path, body with the number in it, path of the field error].
    const plantings = (planted: string): Array<[string, string, unknown, string]> => [
      [
        'POST',
        '/v1/leases',
        { eventId: randomUUID(), ...lease({ flags: { priorityCategory: `Prioritaire ${planted}` } }) },
        'flags.priorityCategory',
      ],
      [
        'POST',
        '/v1/cal-decisions/C-FREE-1/offer-declined',
        {
          eventId: randomUUID(),
          bailleurId: 'lmh',
          numeroUnique: 'nud-free-1',
          declinedOn: '2026-02-05',
          reason: `Refus de ${planted}`,
        },
        'reason',
      ],
      [
        'POST',
        '/v1/leases/L-FREE-1/cancellation',
        { eventId: randomUUID(), bailleurId: 'lmh', caseId: 'C-FREE-1', reason: planted },
        'reason',
      ],
      [
        'POST',
        '/v1/leases/L-FREE-1/corrections',
        { eventId: randomUUID(), reason: `Ménage ${planted}`, lease: lease() },
        'reason',
      ],
      ['POST', '/v1/conventions/lmh/als/CONV-FREE/revisions', { fromYear: 2027, fluxShare: 0.3, reason: planted }, 'reason'],
      [
        'POST',
        '/v1/flux/returns',
        {
          eventId: randomUUID(),
          bailleurId: 'lmh',
          rplsId: '5935000001',
          reservataireId: 'als',
          conventionId: 'CONV-FREE',
          returnedOn: '2026-03-01',
          reason: planted,
        },
        'reason',
      ],
      [
        'POST',
        `/v1/epcis/${MEL}/quartile-thresholds`,
        { year: 2026, amountPerUc: 10_000, source: `Arrêté ${planted}` },
        'source',
      ],
      ['POST', `/v1/epcis/${MEL}/cia`, { adoptedOn: '2026-01-10', terms: { reference: planted } }, 'terms.reference'],
      [
        'POST',
        `/v1/epcis/${MEL}/cia/amendments`,
        { amendedOn: '2026-02-10', terms: { sectors: [{ id: 'nord', name: planted }] } },
        'terms.sectors.0.name',
      ],
      [
        'POST',
        `/v1/epcis/${MEL}/cia`,
        {
          adoptedOn: '2026-01-10',
          terms: { territorialObjectives: [{ id: 'o1', label: planted, objective: 'HQ1', target: 0.3, filter: {} }] },
        },
        'terms.territorialObjectives.0.label',
      ],
      ['PUT', `/v1/epcis/${MEL}`, { name: planted }, 'name'],
      ['PUT', '/v1/qpvs/QN05901M', { name: planted, list: '2024', communes: ['59350'] }, 'name'],
      ['PUT', '/v1/bailleurs/lmh', { name: `LMH ${planted}` }, 'name'],
      ['PUT', '/v1/reservataires/action-logement', { name: planted, kind: 'action_logement' }, 'name'],
      ['POST', '/v1/admin/api-keys', { role: 'bailleur', tenant: 'lmh', label: `Clé de ${planted}` }, 'label'],
      [
        'POST',
        '/v1/stock-conversions',
        {
          stock: 100,
          turnoverRates: [0.1],
          exclusions: { [planted]: 1 },
          method: 'global',
          rights: 10,
          meanRemainingYears: 5,
          spreadOverYears: 3,
          firstYear: 2026,
        },
        `exclusions.${planted.replace(/\d/g, '#').replace(/ /g, '?')}`,
      ],
      [
        'POST',
        '/v1/stock-conversions',
        {
          stock: 100,
          turnoverRates: [0.1],
          method: 'per_convention',
          conventions: [{ id: planted, rights: 10, remainingYears: 5 }],
          spreadOverYears: 3,
          firstYear: 2026,
        },
        'conventions.0.id',
      ],
    ];
    let planted = 0;
    for (const number of PLANTED) {
      for (const [method, path, body, field] of plantings(number)) {
        const response = await adminFetch(`${app.url}${path}`, {
          method,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        const text = await response.text();
        const problem = JSON.parse(text) as { code: string; errors?: Array<{ path: string; code: string; message: string }> };
        expect({ path, field, status: response.status, code: problem.code }).toEqual({
          path,
          field,
          status: 400,
          code: 'VALIDATION_FAILED',
        });
        expect({ path, errors: problem.errors }).toEqual({
          path,
          errors: expect.arrayContaining([
            {
              path: field,
              code: 'PERSONAL_DATA_IN_FREE_TEXT',
              message: expect.stringMatching(/ : ce texte contient une suite d’au moins 10 chiffres/),
            },
          ]),
        });
        expect({ path, leaks: leaks(text) }).toEqual({ path, leaks: false });
        planted += 1;
      }
    }
    expect(planted).toBe(PLANTED.length * 17);

    // The correlation id: kept when it is a plain id, replaced by a fresh UUID when it carries a number.
    const written: Array<[string, string]> = [];
    for (const correlationId of ['corr-privacy-1', NUMBER, `trace-${NUMBER}`, 'trace 059 1227 000123']) {
      const response = await adminFetch(`${app.url}/v1/bailleurs/lmh-${written.length}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', 'x-correlation-id': correlationId },
        body: JSON.stringify({ name: `Bailleur ${written.length}` }),
      });
      expect(response.status).toBeLessThan(300);
      written.push([correlationId, `lmh-${written.length}`]);
    }
    const { rows: metadata } = await app.db.pool.query<{ correlation_id: string }>(
      "SELECT metadata->>'correlationId' AS correlation_id FROM events WHERE metadata ? 'correlationId' ORDER BY global_position DESC LIMIT 4",
    );
    const kept = metadata.map((row) => row.correlation_id).reverse();
    expect(kept[0]).toBe('corr-privacy-1');
    for (const id of kept.slice(1)) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);

    // Imports: an unknown NDJSON key, a free-text value, a line that is not an object; a CSV column named by the number.
    const ndjsonLease = lease({ leaseId: 'L-FREE-2', caseId: 'C-FREE-2' });
    const ndjson = [
      { type: 'lease', eventId: randomUUID(), ...ndjsonLease, [NUMBER]: 'x' },
      { type: 'lease', eventId: randomUUID(), ...ndjsonLease, flags: { priorityCategory: `Prioritaire ${NUMBER}` } },
      {
        type: 'offer_declined',
        eventId: randomUUID(),
        caseId: 'C-FREE-2',
        bailleurId: 'lmh',
        numeroUnique: 'nud-free-2',
        declinedOn: '2026-02-05',
        reason: NUMBER,
      },
      NUMBER,
    ]
      .map((line) => JSON.stringify(line))
      .join('\n');
    const csv = [
      `type;reference_bail;reference_dossier;bailleur;date_bail;rpls;code_insee;siren_epci;typologie;financement;menage;personnes_14_ans_et_plus;revenus_annuels;mode_gestion;categorie_prioritaire;date_refus;motif;reservataire`,
      `bail;L-FREE-3;C-FREE-3;lmh;2026-03-01;5935000001;59350;${MEL};T3;PLUS;nud-free-3;1;9000;directe;;;;`,
      `bail;L-FREE-4;C-FREE-4;lmh;2026-03-01;5935000001;59350;${MEL};T3;PLUS;nud-free-4;1;9000;directe;Prioritaire ${NUMBER};;;`,
      `refus_offre;;C-FREE-3;lmh;;;;;;;nud-free-3;;;;;2026-02-05;Refus de ${NUMBER};`,
    ].join('\n');
    // A CSV column named by a number: the file is refused, the name masked in the report.
    const numberColumn = [
      `type;reference_bail;reference_dossier;bailleur;date_bail;rpls;code_insee;siren_epci;typologie;financement;menage;personnes_14_ans_et_plus;revenus_annuels;mode_gestion;reservataire;${NUMBER}`,
      `bail;L-FREE-5;C-FREE-5;lmh;2026-03-01;5935000001;59350;${MEL};T3;PLUS;nud-free-5;1;9000;directe;;${NUMBER}`,
    ].join('\n');
    const reports: Array<Record<string, unknown>> = [];
    for (const [type, file] of [
      ['application/x-ndjson', ndjson],
      ['text/csv', csv],
      ['text/csv', numberColumn],
    ] as const) {
      const started = await fetch(`${app.url}/v1/imports`, {
        method: 'POST',
        headers: { ...bailleur.auth, 'content-type': type },
        body: file,
      });
      expect(started.status).toBe(202);
      const { id } = (await started.json()) as { id: string };
      const done = await waitFor(
        () => getJson(`${app.url}/v1/imports/${id}`, bailleur.auth),
        (r) => r.body.status === 'termine' || r.body.status === 'refuse',
      );
      reports.push(done.body);
      const rejectionsCsv = await fetch(`${app.url}/v1/imports/${id}?format=csv`, { headers: bailleur.auth });
      expect(leaks(await rejectionsCsv.text())).toBe(false);
    }
    const rejections = (report: Record<string, unknown>) =>
      (report.rejections as Array<{ line: number; field: string; code: string }>).map((r) => [r.line, r.field, r.code]);
    expect(rejections(reports[0]!)).toEqual([
      [1, '#############', 'UNKNOWN_FIELD'],
      // A priority category is a closed list (L. 441-1) in NDJSON as in CSV: refused as a value, its echo masked.
      [2, 'flags.priorityCategory', 'INVALID_VALUE'],
      [3, 'reason', 'PERSONAL_DATA_IN_FREE_TEXT'],
      [4, null, 'MALFORMED_JSON'],
    ]);
    // A priority category is a closed list: free text with a number is refused, its echo masked.
    expect(rejections(reports[1]!)).toEqual([
      [3, 'categorie_prioritaire', 'INVALID_VALUE'],
      [4, 'motif', 'PERSONAL_DATA_IN_FREE_TEXT'],
    ]);
    expect(reports[1]).toMatchObject({ accepted: 1, rejected: 2 });
    // The unknown CSV column refuses the whole file: nothing recorded, the column's name masked.
    expect(rejections(reports[2]!)).toEqual([[1, '#'.repeat(NUMBER.length), 'COLUMN_UNKNOWN']]);
    expect(reports[2]).toMatchObject({ status: 'refuse', accepted: 0 });
    expect(leaks(JSON.stringify(reports))).toBe(false);

    // Nothing of the number anywhere: not in the database, not in the logs.
    const dump = await dumpDatabase(app);
    expect(dump).toContain('corr-privacy-1');
    expect(dump).toContain('L-FREE-3');
    expect(leaks(dump)).toBe(false);
    const logs = logLines.join('');
    expect(logLines.length).toBeGreaterThan(10);
    expect(leaks(logs)).toBe(false);
  });
});
