import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { adminFetch, getJson, startTestApp, waitFor, type TestApp } from '../support/app.js';

/**
 * An XLSX workbook is streamed (exceljs's WorkbookReader) into the same chunked pipeline as a CSV:
 * a large sheet is imported whole, in chunks, its real date cells read as dates, the sheet chosen
 * by name when asked, and every rejected row reported at its own line.
 */
/** Twelve chunks of 1 000 rows and more (the pipeline's chunk), a workbook exceljs would not hold whole in a small heap. */
const ROWS = 12_500;
/** Every 5 000th row (from the 7th) has a date the calendar does not have: a text cell `30/02/2026`. */
const planted = (i: number) => i % 5_000 === 7;
const HEADER = [
  'type',
  'reference_bail',
  'reference_dossier',
  'bailleur',
  'date_bail',
  'rpls',
  'code_insee',
  'siren_epci',
  'typologie',
  'financement',
  'menage',
  'personnes_14_ans_et_plus',
  'revenus_annuels',
  'dalo',
  'reservataire',
  'mode_gestion',
];

function leaseCells(i: number): unknown[] {
  return [
    'bail',
    `B-XS-${i}`,
    `D-XS-${i}`,
    ['lmh', 'vilogia', 'partenord'][i % 3],
    planted(i) ? '30/02/2026' : new Date(Date.UTC(2026, i % 10, 1 + (i % 28))),
    `59${String(i).padStart(9, '0')}`,
    '59350',
    '200093201',
    ['T1', 'T2', 'T3', 'T4'][i % 4],
    'PLUS',
    `0591227${String(i).padStart(11, '0')}`,
    1 + (i % 3),
    6_000 + (i % 30_000),
    i % 5 === 0 ? 'oui' : 'non',
    ['', 'action-logement', 'mel'][i % 3],
    'directe',
  ];
}

describe('A large XLSX workbook is streamed like a CSV', () => {
  let app: TestApp;
  let dir: string;
  let path: string;

  beforeAll(async () => {
    app = await startTestApp();
    dir = mkdtempSync(join(tmpdir(), 'vigie-xlsx-'));
    path = join(dir, 'baux.xlsx');
    // Written as Excel does: shared strings, a styles part with the date format, a first sheet that is not the leases.
    const writer = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: path, useSharedStrings: true, useStyles: true });
    const notes = writer.addWorksheet('Notes');
    notes.addRow(['Export du 2026-11-30']).commit();
    await notes.commit();
    const sheet = writer.addWorksheet('Baux');
    sheet.getColumn(5).numFmt = 'dd/mm/yyyy';
    sheet.addRow(HEADER).commit();
    for (let i = 0; i < ROWS; i += 1) sheet.addRow(leaseCells(i)).commit();
    await sheet.commit();
    await writer.commit();
  }, 180_000);

  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await app.close();
  });

  it('imports every row of the named sheet in chunks, dates as dates, each planted error at its line', async () => {
    const started = await adminFetch(`${app.url}/v1/imports?feuille=Baux`, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' },
      body: readFileSync(path),
    });
    expect(started.status).toBe(202);
    const { id } = (await started.json()) as { id: string };
    const { body: report } = await waitFor(
      () => getJson(`${app.url}/v1/imports/${id}`),
      (r) => !['en_attente', 'en_cours'].includes(r.body.status),
      170_000,
    );
    const rejectedRows = Array.from({ length: ROWS }, (_, i) => i).filter(planted);
    expect(report).toMatchObject({
      format: 'xlsx',
      status: 'termine',
      encoding: null,
      total: ROWS,
      done: ROWS,
      accepted: ROWS - rejectedRows.length,
      alreadyImported: 0,
      rejected: rejectedRows.length,
    });
    // Row i is on sheet line i + 2 (the header is line 1).
    expect(report.rejections).toEqual(
      rejectedRows.map((i) => ({
        line: i + 2,
        reference: `B-XS-${i}`,
        field: 'date_bail',
        value: '30/02/2026',
        code: 'INVALID_VALUE',
        message: expect.stringContaining('30/02/2026'),
      })),
    );
    const { rows } = await app.db.pool.query(
      `SELECT count(*)::int AS n, count(DISTINCT data->>'leaseDate')::int AS dates, min(data->>'leaseDate') AS first
         FROM events WHERE event_type = 'LeaseSigned' AND metadata->>'importId' = $1`,
      [id],
    );
    // Real date cells read as calendar days: month i % 10, day i % 28 (140 pairs), from 1 January 2026.
    expect(rows[0]).toEqual({ n: ROWS - rejectedRows.length, dates: 140, first: '2026-01-01' });
  }, 180_000);

  it('reads the first sheet by default (here the notes: no lease columns, the file refused whole)', async () => {
    const started = await adminFetch(`${app.url}/v1/imports?dryRun=true`, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' },
      body: readFileSync(path),
    });
    const { id } = (await started.json()) as { id: string };
    const { body: report } = await waitFor(
      () => getJson(`${app.url}/v1/imports/${id}`),
      (r) => !['en_attente', 'en_cours'].includes(r.body.status),
      60_000,
    );
    expect(report).toMatchObject({ status: 'refuse', accepted: 0 });
    expect(report.rejections[0]).toMatchObject({ code: 'COLUMN_UNKNOWN', field: 'Export du 2026-11-30' });
  }, 90_000);

  it('refuses an empty sheet name, and a sheet named for a file that is no workbook, rather than ignore it', async () => {
    const post = (query: string, type: string, body: Buffer | string) =>
      adminFetch(`${app.url}/v1/imports?dryRun=true&${query}`, { method: 'POST', headers: { 'content-type': type }, body });
    const empty = await post('feuille=', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', readFileSync(path));
    expect(empty.status).toBe(400);
    expect(await empty.json()).toMatchObject({ errors: [{ path: 'feuille', code: 'REQUIRED' }] });
    const csv = await post('feuille=Baux', 'text/csv', `${HEADER.join(';')}\r\n`);
    expect(csv.status).toBe(400);
    expect(await csv.json()).toMatchObject({
      errors: [{ path: 'feuille', code: 'INVALID_VALUE', message: expect.stringContaining('ne vaut que pour un classeur XLSX') }],
    });
  });
});
