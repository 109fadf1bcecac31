import { execFile } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ExcelJS from 'exceljs';
import { TEST_ADMIN_KEY, adminFetch, getJson, postJson, startTestApp, waitFor, type TestApp } from '../support/app.js';

const HEADER =
  'type;id_evenement;reference_bail;reference_dossier;bailleur;date_bail;date_cal;date_refus;rpls;code_insee;siren_epci;code_qpv;typologie;financement;menage;personnes_14_ans_et_plus;enfants_moins_14_ans;revenus_annuels;dalo;categorie_prioritaire;reloge_ru;reloge_copro;mutation_interne;mobilite_inter_bailleurs;agent_public;reservataire;mode_gestion;candidats;motif';

function line(values: Record<string, string>): string {
  return HEADER.split(';')
    .map((column) => values[column] ?? '')
    .join(';');
}

const flat = { rpls: '5935000001', code_insee: '59350', siren_epci: '200093201', typologie: 'T3', financement: 'PLUS' };
const lease = (n: number, extra: Record<string, string> = {}) =>
  line({
    type: 'bail',
    reference_bail: `B${n}`,
    reference_dossier: `D${n}`,
    bailleur: 'lmh',
    date_bail: '2026-04-02',
    ...flat,
    menage: `hh-imp-${n}`,
    personnes_14_ans_et_plus: '2',
    enfants_moins_14_ans: '1',
    revenus_annuels: '18 500,50',
    dalo: 'non',
    mode_gestion: 'directe',
    reservataire: 'action-logement',
    ...extra,
  });

/** A bailleur's export: a CAL with three candidates, the first declines, the second signs; other leases; planted errors. */
const CSV = [
  HEADER,
  line({
    type: 'decision_cal',
    reference_dossier: 'D1',
    bailleur: 'lmh',
    date_cal: '2026-03-01',
    ...flat,
    reservataire: 'action-logement',
    candidats: '1:hh-imp-a:attribution|2:hh-imp-b:attribution_sous_condition|3:hh-imp-c:non_attribution',
  }), // line 2
  line({
    type: 'refus_offre',
    reference_dossier: 'D1',
    bailleur: 'lmh',
    menage: 'hh-imp-a',
    date_refus: '2026-03-08',
    motif: 'Logement trop éloigné',
  }), // 3
  lease(1, { menage: 'hh-imp-a' }), // 4: refused, the household declined
  lease(1, { menage: 'hh-imp-b' }), // 5: accepted, linked to the CAL decision
  lease(2), // 6: accepted, no CAL decision (data-quality flag)
  lease(3, { code_insee: '62041' }), // 7: Arras is not in the MEL
  lease(4, { date_bail: '2026-02-30' }), // 8: no such date
  lease(5, { menage: '' }), // 9: household missing
  lease(6, { dalo: 'peut-être' }), // 10: not a yes/no
  line({ type: 'inconnu', reference_dossier: 'D7' }), // 11
  lease(8, { revenus_annuels: '' }), // 12: accepted, resources unknown
  lease(9), // 13: accepted
].join('\r\n');

describe('Bulk import and CAL lifecycle over HTTP', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp();
  });

  afterAll(async () => {
    await app.close();
  });

  async function importFile(body: string, contentType: string) {
    const started = await adminFetch(`${app.url}/v1/imports`, { method: 'POST', headers: { 'content-type': contentType }, body });
    expect(started.status).toBe(202);
    const { id } = (await started.json()) as { id: string };
    expect(started.headers.get('location')).toBe(`/v1/imports/${id}`);
    return (
      await waitFor(
        () => getJson(`${app.url}/v1/imports/${id}`),
        (r) => ['termine', 'echoue', 'refuse'].includes(r.body.status),
      )
    ).body;
  }

  const eventCount = async () => Number((await app.db.pool.query('SELECT count(*) FROM events')).rows[0].count);

  it('imports the good rows, reports each bad one with its line, column, code and French message', async () => {
    const report = await importFile(`\uFEFF${CSV}`, 'text/csv; charset=utf-8');
    expect(report).toMatchObject({
      status: 'termine',
      total: 12,
      done: 12,
      accepted: 6,
      alreadyImported: 0,
      rejected: 6,
      etaSeconds: 0,
    });
    expect(report.rejections.map((r: { line: number; field: string; code: string }) => [r.line, r.field, r.code])).toEqual([
      [4, 'menage', 'LEASE_AFTER_DECLINED_OFFER'],
      [7, 'code_insee', 'COMMUNE_NOT_IN_EPCI'],
      [8, 'date_bail', 'INVALID_VALUE'],
      [9, 'menage', 'REQUIRED'],
      [10, 'dalo', 'INVALID_VALUE'],
      [11, 'type', 'INVALID_VALUE'],
    ]);
    expect(report.rejections[0].message).toBe('Ce ménage a refusé l’offre sur ce dossier : il ne peut pas y signer de bail.');
    expect(report.rejections[2]).toMatchObject({
      reference: 'B4',
      value: '2026-02-30',
      message: 'date « 2026-02-30 » : ce jour n’existe pas.',
    });
    expect(report.encoding).toBe('UTF-8');

    const { rows } = await app.db.pool.query(
      "SELECT event_type, stream_id, data->>'calDecisionEventId' AS link, data->'household'->>'yearlyResources' AS resources, metadata->>'source' AS source, metadata->>'line' AS line FROM events WHERE NOT starts_with(stream_id, 'referential:') ORDER BY global_position",
    );
    expect(rows.map((r) => [r.event_type, r.line])).toEqual([
      ['CalDecisionRecorded', '2'],
      ['OfferDeclined', '3'],
      ['LeaseSigned', '5'],
      ['LeaseSigned', '6'],
      ['LeaseSigned', '12'],
      ['LeaseSigned', '13'],
    ]);
    const calEventId = (await app.db.pool.query("SELECT event_id FROM events WHERE event_type = 'CalDecisionRecorded'")).rows[0]
      .event_id;
    expect(rows[2]).toMatchObject({ stream_id: 'attribution:lmh:D1', link: calEventId, resources: '18500.5', source: 'import' });
    expect(rows[3].link).toBeNull();
    expect(rows[4].resources).toBeNull();
  });

  it('refuses a file holding its header line only, saying so, instead of ending « terminé » with nothing', async () => {
    const before = await eventCount();
    const report = await importFile(`${HEADER}\r\n`, 'text/csv');
    expect(report).toMatchObject({ status: 'refuse', total: 0, accepted: 0 });
    expect(report.rejections).toEqual([
      expect.objectContaining({ line: 1, code: 'NO_ROWS', message: expect.stringContaining('ligne d’en-tête') }),
    ]);
    expect(await eventCount()).toBe(before);
  });

  it('records nothing twice when the same file is sent again', async () => {
    const before = await eventCount();
    const report = await importFile(CSV, 'text/csv');
    expect(report).toMatchObject({ accepted: 0, alreadyImported: 6, rejected: 6 });
    expect(await eventCount()).toBe(before);
  });

  it('counts a row with several bad fields as one rejected row, with each reason listed', async () => {
    const report = await importFile(
      [HEADER, lease(40, { date_bail: '2026-02-30', code_insee: 'XXXXX' })].join('\r\n'),
      'text/csv',
    );
    expect(report).toMatchObject({ total: 1, accepted: 0, rejected: 1 });
    expect(report.rejections.map((r: { line: number }) => r.line)).toEqual([2, 2]);
  });

  it('reads "non" in categorie_prioritaire as no category, never as a priority household; the API refuses it and asks for null', async () => {
    // ../shared/cases/categorie-prioritaire-non.csv: "non" used to count the household as priority (PRIO numerator +1).
    // The case file as found (B-CAT-1, « non »), then a row saying « Aucune ».
    const caseFile = readFileSync(new URL('../fixtures/cases/categorie-prioritaire-non.csv', import.meta.url), 'utf8');
    const report = await importFile(
      `${caseFile.trimEnd()}\r\nbail;B-CAT-2;D-CAT-2;lmh;2026-03-10;5935000004;59350;200093201;;T3;PLUS;hh-cat-non-2;1;0;9800;non;Aucune;;directe`,
      'text/csv',
    );
    expect(report).toMatchObject({ accepted: 2, rejected: 0 });
    const { rows } = await app.db.pool.query(
      "SELECT data->'flags'->>'priorityCategory' AS category FROM events WHERE data->>'leaseId' IN ('B-CAT-1', 'B-CAT-2')",
    );
    expect(rows.map((row: { category: string | null }) => row.category)).toEqual([null, null]);
    const api = await postJson(`${app.url}/v1/leases`, {
      eventId: randomUUID(),
      leaseId: 'B-CAT-3',
      caseId: 'D-CAT-3',
      bailleurId: 'lmh',
      leaseDate: '2026-03-10',
      flat: {
        rplsId: '5935000005',
        communeInsee: '59350',
        epciSiren: '200093201',
        qpvCode: null,
        typology: 'T3',
        financing: 'PLUS',
      },
      household: {
        numeroUnique: 'hh-cat-non-3',
        composition: { personsAged14OrMore: 1, childrenUnder14: 0 },
        yearlyResources: 9800,
      },
      flags: { priorityCategory: 'non' },
      reservataireId: null,
      gestionMode: 'directe',
    });
    expect({ status: api.status, errors: api.body.errors }).toEqual({
      status: 400,
      errors: [expect.objectContaining({ path: 'flags.priorityCategory', code: 'INVALID_VALUE' })],
    });
  });

  it('cancels and corrects leases with rows of the import format, through the same pipeline, recorded once', async () => {
    expect(await importFile([HEADER, lease(40), lease(41)].join('\n'), 'text/csv')).toMatchObject({ accepted: 2, rejected: 0 });
    const changes = [
      HEADER,
      lease(40, { type: 'correction_bail', revenus_annuels: '22 000', motif: 'Avis d’imposition rectifié' }), // 2
      line({
        type: 'annulation_bail',
        reference_bail: 'B41',
        reference_dossier: 'D41',
        bailleur: 'lmh',
        motif: 'Saisi en double',
      }), // 3
      line({ type: 'annulation_bail', reference_bail: 'B99', reference_dossier: 'D99', bailleur: 'lmh', motif: 'Erreur' }), // 4
      line({ type: 'annulation_bail', reference_bail: 'B40', reference_dossier: 'D40', bailleur: 'lmh' }), // 5: no reason
      lease(40, { type: 'correction_bail', revenus_annuels: '22 000', date_bail: '31/02/2026', motif: 'x' }), // 6
    ].join('\n');
    const report = await importFile(changes, 'text/csv');
    expect(report).toMatchObject({ status: 'termine', total: 5, accepted: 2, rejected: 3 });
    expect(report.rejections.map((r: { line: number; field: string; code: string }) => [r.line, r.field, r.code])).toEqual([
      [4, 'reference_bail', 'LEASE_NOT_FOUND'],
      [5, 'motif', 'REQUIRED'],
      [6, 'date_bail', 'INVALID_VALUE'],
    ]);
    const { rows } = await app.db.pool.query(
      `SELECT event_type AS type, data, metadata->>'importId' AS import FROM events
       WHERE event_type IN ('LeaseCorrected', 'LeaseCancelled') AND metadata->>'importId' = $1 ORDER BY global_position`,
      [report.id],
    );
    expect(rows.map((row: { type: string; import: string }) => [row.type, row.import])).toEqual([
      ['LeaseCorrected', report.id],
      ['LeaseCancelled', report.id],
    ]);
    expect(rows[0].data).toMatchObject({
      reason: 'Avis d’imposition rectifié',
      lease: { leaseId: 'B40', household: { yearlyResources: 22_000 } },
    });
    expect(rows[0].data.correctsEventId).toEqual(expect.any(String));
    expect(rows[1].data).toMatchObject({ leaseId: 'B41', reason: 'Saisi en double', cancelsEventId: expect.any(String) });
    // The same file again: both recognised as already recorded, nothing written.
    expect(await importFile(changes, 'text/csv')).toMatchObject({ accepted: 0, alreadyImported: 2, rejected: 3 });
    // NDJSON: the API's bodies, typed.
    const ndjson = [
      JSON.stringify({
        type: 'lease_cancellation',
        leaseId: 'B40',
        caseId: 'D40',
        bailleurId: 'lmh',
        reason: 'Bail résilié avant effet',
      }),
      JSON.stringify({ type: 'lease_cancellation', leaseId: 'B41', caseId: 'D41', bailleurId: 'lmh', reason: 'Encore' }),
    ].join('\n');
    const nd = await importFile(ndjson, 'application/x-ndjson');
    expect(nd).toMatchObject({ accepted: 1, rejected: 1 });
    expect(nd.rejections).toEqual([expect.objectContaining({ line: 2, field: 'leaseId', code: 'LEASE_NOT_FOUND' })]);
  });

  it('reads an NDJSON priority category against the closed list of L. 441-1: a letter becomes its label, free text is refused', async () => {
    const body = (n: number, priorityCategory: string) =>
      JSON.stringify({
        type: 'lease',
        leaseId: `B-NDC-${n}`,
        caseId: `D-NDC-${n}`,
        bailleurId: 'lmh',
        leaseDate: '2026-04-02',
        flat: {
          rplsId: `59NDC${n}`,
          communeInsee: '59350',
          epciSiren: '200093201',
          qpvCode: null,
          typology: 'T2',
          financing: 'PLUS',
        },
        household: {
          numeroUnique: `hh-ndc-${n}`,
          composition: { personsAged14OrMore: 1, childrenUnder14: 0 },
          yearlyResources: 9_000,
        },
        flags: { priorityCategory },
        reservataireId: null,
        gestionMode: 'directe',
      });
    const report = await importFile([body(1, 'c'), body(2, 'Prioritaire mairie')].join('\n'), 'application/x-ndjson');
    expect(report).toMatchObject({ accepted: 1, rejected: 1 });
    expect(report.rejections).toEqual([
      expect.objectContaining({ line: 2, field: 'flags.priorityCategory', value: 'Prioritaire mairie', code: 'INVALID_VALUE' }),
    ]);
    const { rows } = await app.db.pool.query(
      "SELECT data->'flags'->>'priorityCategory' AS category FROM events WHERE data->>'leaseId' = 'B-NDC-1'",
    );
    expect(rows).toEqual([{ category: 'Sortant d’hébergement ou de logement de transition' }]);
  });

  it('gives the report as an XLSX workbook with French headers', async () => {
    const report = await importFile(
      [HEADER, lease(21, { code_insee: '62041' }), lease(22, { dalo: 'peut-être' })].join('\n'),
      'text/csv',
    );
    const answer = await adminFetch(`${app.url}/v1/imports/${report.id}?format=xlsx`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toContain('spreadsheetml');
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(Buffer.from(await answer.arrayBuffer()) as never);
    const rows: unknown[][] = [];
    workbook.getWorksheet('Rejets')!.eachRow((row) => rows.push((row.values as unknown[]).slice(1)));
    expect(rows).toEqual([
      ['Ligne', 'Référence', 'Colonne', 'Valeur refusée', 'Code', 'Message'],
      [
        2,
        'B21',
        'code_insee',
        '62041',
        'COMMUNE_NOT_IN_EPCI',
        'À la date du fait, la commune du logement n’appartient pas à l’EPCI indiqué.',
      ],
      [3, 'B22', 'dalo', 'peut-être', 'INVALID_VALUE', expect.stringContaining('peut-être')],
    ]);
    const summary: unknown[][] = [];
    workbook.getWorksheet('Résumé')!.eachRow((row) => summary.push((row.values as unknown[]).slice(1)));
    expect(summary).toEqual(
      expect.arrayContaining([
        ['Acceptées', 0],
        ['Rejetées', 2],
        ['Encodage lu', 'UTF-8'],
      ]),
    );
  });

  it('refuses a file over the limit before reading it, saying the limit and how to split', async () => {
    // A length announced over the limit: answered before a byte of the body is sent.
    const tooBig = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const request = httpRequest(`${app.url}/v1/imports`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${TEST_ADMIN_KEY}`,
          'content-type': 'text/csv',
          'content-length': String(3 * 1024 ** 3),
          expect: '100-continue',
        },
      });
      request.on('response', (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode!, body }));
      });
      request.on('error', reject);
      request.flushHeaders();
    });
    expect(tooBig.status).toBe(413);
    expect((JSON.parse(tooBig.body) as { detail: string }).detail).toContain(
      'Limite : 2 Go par fichier ; découpez le fichier en plusieurs (chacun avec sa ligne d’en-tête)',
    );
    const xlsx = await adminFetch(`${app.url}/v1/imports`, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' },
      body: Buffer.alloc(129 * 1024 * 1024, 0x50),
    });
    expect(xlsx.status).toBe(413);
    expect(((await xlsx.json()) as { detail: string }).detail).toMatch(
      /^Limite : 128 Mo par classeur XLSX .*enregistrez-le en CSV.*2 Go.*découpez-le en plusieurs classeurs \(chacun avec sa ligne d’en-tête\)/,
    );
  });

  it('gives the rejected rows as CSV for Excel', async () => {
    const started = await adminFetch(`${app.url}/v1/imports`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body: [HEADER, lease(20, { code_insee: '62041' })].join('\n'),
    });
    const { id } = (await started.json()) as { id: string };
    await waitFor(
      () => getJson(`${app.url}/v1/imports/${id}`),
      (r) => r.body.status === 'termine',
    );
    const csv = await adminFetch(`${app.url}/v1/imports/${id}?format=csv`);
    const text = Buffer.from(await csv.arrayBuffer())
      .subarray(3)
      .toString('utf8');
    expect(text).toBe(
      'Ligne;Référence;Colonne;Valeur refusée;Code;Message\r\n2;B20;code_insee;62041;COMMUNE_NOT_IN_EPCI;À la date du fait, la commune du logement n’appartient pas à l’EPCI indiqué.\r\n',
    );
  });

  it('imports NDJSON with the API’s own shapes', async () => {
    const body = {
      leaseId: 'B-ND-1',
      caseId: 'D-ND-1',
      bailleurId: 'vilogia',
      leaseDate: '2026-05-02',
      flat: {
        rplsId: '59000042',
        communeInsee: '59512',
        epciSiren: '200093201',
        qpvCode: null,
        typology: 'T2',
        financing: 'PLAI',
      },
      household: {
        numeroUnique: 'hh-nd-0001',
        composition: { personsAged14OrMore: 1, childrenUnder14: 0 },
        yearlyResources: 9_000,
      },
      reservataireId: null,
      gestionMode: 'deleguee',
    };
    const ndjson = [
      JSON.stringify({ type: 'lease', ...body }),
      '{not json',
      JSON.stringify({ type: 'lease', ...body, caseId: 'D-ND-2', flat: { ...body.flat, typology: 'T9' } }),
      JSON.stringify({
        type: 'offer_declined',
        caseId: 'D-ND-3',
        bailleurId: 'vilogia',
        numeroUnique: 'hh-nd-0003',
        declinedOn: '2026-05-01',
        reason: null,
      }),
    ].join('\n');
    const report = await importFile(ndjson, 'application/x-ndjson');
    expect(report).toMatchObject({ total: 4, accepted: 1, rejected: 3 });
    expect(report.rejections.map((r: { line: number; field: string; code: string }) => [r.line, r.field, r.code])).toEqual([
      [2, null, 'MALFORMED_JSON'],
      [3, 'flat.typology', 'INVALID_VALUE'],
      [4, 'numeroUnique', 'OFFER_NOT_FOUND'],
    ]);
  });

  it('refuses what is not a CSV or NDJSON file, and an unknown import', async () => {
    const wrong = await adminFetch(`${app.url}/v1/imports`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(wrong.status).toBe(415);
    expect(((await wrong.json()) as { code: string }).code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect((await getJson(`${app.url}/v1/imports/${randomUUID()}`)).status).toBe(404);
    // An empty CSV is an empty file, not a file of the wrong type.
    const empty = await adminFetch(`${app.url}/v1/imports`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body: '',
    });
    expect({ status: empty.status, body: await empty.json() }).toMatchObject({
      status: 400,
      body: { code: 'VALIDATION_FAILED', errors: [{ code: 'REQUIRED', message: 'Fichier vide.' }] },
    });
  });

  it('records a CAL decision and a refusal over HTTP, then refuses that household’s lease', async () => {
    const cal = await postJson(`${app.url}/v1/cal-decisions`, {
      eventId: randomUUID(),
      caseId: 'D-HTTP',
      bailleurId: 'lmh',
      calDate: '2026-06-01',
      flat: {
        rplsId: '5935000099',
        communeInsee: '59350',
        epciSiren: '200093201',
        qpvCode: null,
        typology: 'T4',
        financing: 'PLUS',
      },
      candidates: [{ rank: 1, numeroUnique: 'hh-http-1', decision: 'attribution' }],
      reservataireId: null,
    });
    expect(cal.status).toBe(201);
    const declined = await postJson(`${app.url}/v1/cal-decisions/D-HTTP/offer-declined`, {
      eventId: randomUUID(),
      bailleurId: 'lmh',
      numeroUnique: 'hh-http-1',
      declinedOn: '2026-06-05',
    });
    expect(declined.status).toBe(201);
    const refused = await postJson(`${app.url}/v1/leases`, {
      eventId: randomUUID(),
      leaseId: 'B-HTTP',
      caseId: 'D-HTTP',
      bailleurId: 'lmh',
      leaseDate: '2026-06-10',
      flat: {
        rplsId: '5935000099',
        communeInsee: '59350',
        epciSiren: '200093201',
        qpvCode: null,
        typology: 'T4',
        financing: 'PLUS',
      },
      household: {
        numeroUnique: 'hh-http-1',
        composition: { personsAged14OrMore: 1, childrenUnder14: 0 },
        yearlyResources: 9_000,
      },
      reservataireId: null,
      gestionMode: 'directe',
    });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('LEASE_AFTER_DECLINED_OFFER');
  });

  it('has a command-line client that shows the report and exits non-zero when rows were rejected', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'vigie-cli-')), 'export.csv');
    writeFileSync(file, [HEADER, lease(30), lease(31, { code_insee: '62041' })].join('\n'));
    const cli = fileURLToPath(new URL('../../bin/vigie.mjs', import.meta.url));
    const run = (args: string[]) =>
      new Promise<{ code: number; stdout: string }>((resolve) =>
        execFile(process.execPath, [cli, ...args], (error, stdout) => resolve({ code: error ? Number(error.code) : 0, stdout })),
      );
    // The admin makes the bailleur's key with the same client; the key is printed once, on stdout.
    const created = await run([
      'keys',
      'create',
      '--role',
      'bailleur',
      '--tenant',
      'lmh',
      '--label',
      'SI LMH',
      '--api',
      app.url,
      '--key',
      TEST_ADMIN_KEY,
    ]);
    expect(created.code).toBe(0);
    const key = created.stdout.trim();
    expect(key).toMatch(/^vigie_[a-f0-9]{16}_/);
    const result = await run(['import', file, '--api', app.url, '--key', key]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/1 ligne acceptée, 0 déjà importée, 1 rejetée\./);
    expect(result.stdout).toContain('ligne 3 (B31), code_insee « 62041 » : COMMUNE_NOT_IN_EPCI');
    const listed = await run(['keys', 'list', '--api', app.url, '--key', TEST_ADMIN_KEY]);
    expect(listed.stdout).toMatch(/bailleur\s+lmh\s+active\s+SI LMH {2}\(créée le \d{4}-\d{2}-\d{2}T[^ ]+ par \S+\)/);
    // Without a key, or with a revoked one, nothing is imported: exit 2.
    expect((await run(['import', file, '--api', app.url])).code).toBe(2);
    const keyId = key.split('_')[1]!;
    expect((await run(['keys', 'revoke', keyId, '--api', app.url, '--key', TEST_ADMIN_KEY])).code).toBe(0);
    // The list says who revoked it, and when.
    expect((await run(['keys', 'list', '--api', app.url, '--key', TEST_ADMIN_KEY])).stdout).toMatch(
      new RegExp(`${keyId}\\s+bailleur\\s+lmh\\s+révoquée le \\S+ par \\S+ {2}SI LMH`),
    );
    expect((await run(['import', file, '--api', app.url, '--key', key])).code).toBe(2);
    expect((await run(['import'])).code).toBe(2);
    // Seven client processes: past the default 30 s on a shared, loaded 2-core machine.
  }, 120_000);
});
