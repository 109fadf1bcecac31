import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import iconv from 'iconv-lite';
import ExcelJS from 'exceljs';
import { adminFetch, createKey, getJson, postJson, startTestApp, waitFor, type TestApp } from '../support/app.js';

/** Bailleurs' files as Excel really makes them: encodings, French formats, strict columns, preview. */
const HEADER =
  'type;reference_bail;reference_dossier;bailleur;date_bail;rpls;code_insee;siren_epci;code_qpv;typologie;financement;menage;personnes_14_ans_et_plus;enfants_moins_14_ans;revenus_annuels;dalo;categorie_prioritaire;reservataire;mode_gestion';
const lease = (n: number, category = '') =>
  `bail;B-EX-${n};D-EX-${n};lmh;10/03/2026;5935000003;59350;200093201;;T3;PLUS;0591227000999${String(n).padStart(5, '0')};1;0;9\u00a0800,50;non;${category};;directe`;

describe('Importing files as French Excel saves them', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp();
  });

  afterAll(async () => {
    await app.close();
  });

  const eventCount = async () => Number((await app.db.pool.query('SELECT count(*) FROM events')).rows[0].count);

  const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

  /** The report of a file sent to the import, once it has ended. */
  async function importBytes(body: Uint8Array | string, query = '', contentType = 'text/csv') {
    const started = await adminFetch(`${app.url}/v1/imports${query}`, {
      method: 'POST',
      headers: { 'content-type': contentType },
      body,
    });
    expect(started.status).toBe(202);
    const { id } = (await started.json()) as { id: string };
    return (
      await waitFor(
        () => getJson(`${app.url}/v1/imports/${id}`),
        (r) => ['termine', 'echoue', 'refuse'].includes(r.body.status),
      )
    ).body;
  }

  it('imports ../shared/cases/excel-cp1252-export.csv: accents kept, encoding said, JJ/MM/AAAA read, the number Excel damaged refused', async () => {
    // The household whose number Excel damaged declined the offer on case D-NU2.
    const flat = {
      rplsId: '5935000002',
      communeInsee: '59350',
      epciSiren: '200093201',
      qpvCode: null,
      typology: 'T3',
      financing: 'PLUS',
    };
    const cal = await postJson(`${app.url}/v1/cal-decisions`, {
      eventId: randomUUID(),
      caseId: 'D-NU2',
      bailleurId: 'lmh',
      calDate: '2026-03-01',
      flat,
      candidates: [{ rank: 1, numeroUnique: '059122700012345678', decision: 'attribution' }],
      reservataireId: null,
    });
    expect(cal.status).toBe(201);
    const declined = await postJson(`${app.url}/v1/cal-decisions/D-NU2/offer-declined`, {
      eventId: randomUUID(),
      bailleurId: 'lmh',
      numeroUnique: '059122700012345678',
      declinedOn: '2026-03-05',
    });
    expect(declined.status).toBe(201);

    const file = readFileSync(new URL('../fixtures/cases/excel-cp1252-export.csv', import.meta.url));
    const report = await importBytes(file);
    expect(report).toMatchObject({ status: 'termine', encoding: 'windows-1252', total: 4, accepted: 3, rejected: 1 });
    expect(report.rejections).toEqual([
      {
        line: 2,
        reference: 'B-XL-1',
        field: 'menage',
        value: '#################',
        code: 'SPREADSHEET_DAMAGE',
        message: expect.stringContaining(
          '« ################# » abîmé par un tableur (zéro initial perdu (17 chiffres au lieu de 18), chiffres après le 15e',
        ),
      },
    ]);
    const { rows } = await app.db.pool.query(
      "SELECT data->>'leaseId' AS lease, data->>'leaseDate' AS date, data->'flags'->>'priorityCategory' AS category, data->'household'->>'yearlyResources' AS resources FROM events WHERE data->>'leaseId' LIKE 'B-XL-%' ORDER BY data->>'leaseId'",
    );
    expect(rows).toEqual([
      { lease: 'B-XL-2', date: '2026-03-10', category: null, resources: '9800' },
      { lease: 'B-XL-3', date: '2026-03-10', category: 'Sortant d’hébergement ou de logement de transition', resources: '9800' },
      { lease: 'B-XL-5', date: '2026-03-10', category: null, resources: '9800' },
    ]);
    expect(JSON.stringify(rows)).not.toContain('\uFFFD');
  });

  it('reads the same leases from UTF-8 with BOM, UTF-8 with `,` and LF, Windows-1252, ISO-8859-15 and tab-separated UTF-16 (« Texte Unicode »)', async () => {
    const text = (sep: string, eol: string, first: number) =>
      [HEADER, lease(first, 'c'), lease(first + 1, 'Sortant d’hébergement')]
        .map((row) => (sep === ';' ? row : row.replaceAll(';', ',')))
        .join(eol);
    const files: [Uint8Array, string][] = [
      [Buffer.from(`\uFEFF${text(';', '\r\n', 1)}`, 'utf8'), 'UTF-8'],
      [Buffer.from(text(';', '\n', 3).replace('9\u00a0800,50', '"9800,50"'), 'utf8'), 'UTF-8'],
      [iconv.encode(text(';', '\r\n', 5), 'windows-1252'), 'windows-1252'],
      // ISO-8859-15 differs from Windows-1252 on € (0xA4) and 0x80–0x9F only: a file with a € and none of those says so.
      [
        iconv.encode(
          text(';', '\r\n', 7)
            .replace('’', "'")
            .split('\r\n')
            .map((row, i) => `${row};${i === 0 ? 'motif' : 'loyer 500 €'}`)
            .join('\r\n'),
          'ISO-8859-15',
        ),
        'ISO-8859-15',
      ],
      // Excel's « Texte Unicode »: UTF-16 with its byte order mark, cells separated by tabs.
      [iconv.encode(text(';', '\r\n', 11).replaceAll(';', '\t'), 'utf-16le', { addBOM: true }), 'UTF-16LE'],
      [iconv.encode(text(';', '\r\n', 13).replaceAll(';', '\t'), 'utf-16be', { addBOM: true }), 'UTF-16BE'],
    ];
    for (const [bytes, encoding] of files) {
      const report = await importBytes(bytes);
      expect({ encoding: report.encoding, accepted: report.accepted, rejected: report.rejected }).toEqual({
        encoding,
        accepted: 2,
        rejected: 0,
      });
    }
    const comma = [HEADER, lease(9)]
      .map((row) => row.replaceAll(';', ',').replace('9\u00a0800,50', '"9\u00a0800,50"'))
      .join('\n');
    expect(await importBytes(comma)).toMatchObject({ accepted: 1, rejected: 0 });
    const { rows } = await app.db.pool.query(
      "SELECT DISTINCT data->'flags'->>'priorityCategory' AS category FROM events WHERE data->>'leaseId' LIKE 'B-EX-%' AND data->'flags'->>'priorityCategory' IS NOT NULL",
    );
    expect(rows).toEqual([{ category: 'Sortant d’hébergement ou de logement de transition' }]);
  });

  it('refuses an amount whose point may be a thousands separator (12.500), at its line, and keeps the other rows', async () => {
    const report = await importBytes([HEADER, lease(15).replace('9\u00a0800,50', '12.500'), lease(16)].join('\r\n'));
    expect(report).toMatchObject({ status: 'termine', accepted: 1, rejected: 1 });
    expect(report.rejections).toEqual([
      {
        line: 2,
        reference: 'B-EX-15',
        field: 'revenus_annuels',
        value: '12.500',
        code: 'AMBIGUOUS_AMOUNT',
        message:
          'montant « 12.500 » : séparateur de milliers ambigu (le point peut être lu comme une virgule décimale) : écrivez 12500 ou 12500,00, sans point.',
      },
    ]);
    const { rows } = await app.db.pool.query(
      "SELECT data->>'leaseId' AS lease FROM events WHERE data->>'leaseId' IN ('B-EX-15', 'B-EX-16')",
    );
    expect(rows).toEqual([{ lease: 'B-EX-16' }]);
  });

  it('refuses a file with an unknown column before writing anything, suggesting the right name', async () => {
    const before = await eventCount();
    const header = HEADER.replace('revenus_annuels', 'revenus_anuels').replace('reservataire', 'réservataire');
    const report = await importBytes([header, lease(20)].join('\r\n'));
    expect(report).toMatchObject({ status: 'refuse', accepted: 0 });
    expect(report.rejections.map((r: { code: string; message: string }) => [r.code, r.message])).toEqual([
      [
        'COLUMN_UNKNOWN',
        'colonne inconnue « revenus_anuels » : vouliez-vous dire « revenus_annuels » ? ; rien n’a été enregistré.',
      ],
      ['COLUMN_MISSING', expect.stringContaining('colonne manquante « revenus_annuels »')],
    ]);
    expect(await eventCount()).toBe(before);
  });

  it('an unknown column never writes anything, whatever its name and place', async () => {
    const known = HEADER.split(';');
    await fc.assert(
      fc.asyncProperty(
        fc
          .stringMatching(/^[a-z_]{3,12}$/)
          .filter(
            (name) =>
              !known.includes(name) && !['dossier', 'commune', 'insee', 'epci', 'qpv', 'gestion', 'nud', 'nur'].includes(name),
          ),
        fc.nat(known.length),
        async (name, at) => {
          const before = await eventCount();
          const header = [...known.slice(0, at), name, ...known.slice(at)].join(';');
          const rows = [30, 31].map((n) => {
            const cells = lease(n + at).split(';');
            return [...cells.slice(0, at), 'x', ...cells.slice(at)].join(';');
          });
          const report = await importBytes([header, ...rows].join('\r\n'));
          expect(report.status).toBe('refuse');
          expect(report.rejections[0]).toMatchObject({ code: 'COLUMN_UNKNOWN', field: name });
          expect(await eventCount()).toBe(before);
        },
      ),
      { numRuns: 5 },
    );
  });

  it('previews an import with dryRun: the same report, nothing written', async () => {
    const before = await eventCount();
    const file = [HEADER, lease(40), lease(41), lease(42).replace('10/03/2026', '31/02/2026')].join('\r\n');
    const preview = await importBytes(file, '?dryRun=true');
    expect(preview).toMatchObject({ dryRun: true, status: 'termine', accepted: 2, rejected: 1 });
    expect(await eventCount()).toBe(before);
    const real = await importBytes(file);
    expect(real).toMatchObject({ dryRun: false, accepted: 2, rejected: 1, rejections: preview.rejections });
    expect(await eventCount()).toBe(before + 2);
  });

  it('imports an XLSX made by a spreadsheet library: real date cells, text identifiers; a number Excel stored as a number refused', async () => {
    const workbook = new ExcelJS.Workbook();
    workbook.addWorksheet('Notes').addRow(['rien à importer ici']);
    const sheet = workbook.addWorksheet('Export baux');
    const columns = HEADER.split(';');
    sheet.addRow(columns.map((name) => (name === 'reservataire' ? 'Réservataire' : name)));
    const row = (n: number, menage: string | number) => {
      const cells = lease(n).split(';');
      return columns.map((name, i) =>
        name === 'date_bail'
          ? new Date('2026-03-10T00:00:00Z')
          : name === 'menage'
            ? menage
            : name === 'revenus_annuels'
              ? 9800.5
              : cells[i],
      );
    };
    sheet.addRow(row(70, '059122700099970070'));
    sheet.addRow(row(71, 59122700099970071));
    const bytes = Buffer.from(await workbook.xlsx.writeBuffer());

    const report = await importBytes(bytes, `?feuille=${encodeURIComponent('Export baux')}`, XLSX);
    expect(report).toMatchObject({ format: 'xlsx', status: 'termine', accepted: 1, rejected: 1 });
    expect(report.rejections).toEqual([
      expect.objectContaining({ line: 3, reference: 'B-EX-71', field: 'menage', code: 'SPREADSHEET_DAMAGE' }),
    ]);
    const { rows } = await app.db.pool.query(
      "SELECT data->>'leaseDate' AS date, data->'household'->>'yearlyResources' AS resources FROM events WHERE data->>'leaseId' = 'B-EX-70'",
    );
    expect(rows).toEqual([{ date: '2026-03-10', resources: '9800.5' }]);
  });

  it('imports an XLSX date formula as its day; refuses at their lines a number in a date column and in an identifier column', async () => {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('Baux');
    const columns = HEADER.split(';');
    sheet.addRow(columns);
    const october12 = Date.UTC(2026, 9, 12) / 86_400_000 + 25_569; // DATE(2026,10,12) = 46307
    const row = (n: number, replaced: Record<string, ExcelJS.CellValue>) => {
      const cells = lease(n).split(';');
      return columns.map((name, i) => (name in replaced ? replaced[name]! : cells[i]!));
    };
    sheet
      .addRow(row(80, { date_bail: { formula: 'DATE(2026,10,12)', result: october12 } as ExcelJS.CellValue }))
      .getCell(columns.indexOf('date_bail') + 1).numFmt = 'dd/mm/yyyy';
    sheet.addRow(row(81, { date_bail: october12 }));
    sheet.addRow(row(82, { rpls: 5935000003 }));
    const report = await importBytes(Buffer.from(await workbook.xlsx.writeBuffer()), '', XLSX);
    expect(report).toMatchObject({ status: 'termine', accepted: 1, rejected: 2 });
    expect(
      report.rejections.map((r: { line: number; field: string; code: string; message: string }) => [
        r.line,
        r.field,
        r.code,
        r.message,
      ]),
    ).toEqual([
      [
        3,
        'date_bail',
        'INVALID_VALUE',
        'date du bail : cellule numérique, pas une date : formatez la colonne en date ou écrivez JJ/MM/AAAA.',
      ],
      [
        4,
        'rpls',
        'SPREADSHEET_DAMAGE',
        'identifiant RPLS enregistré comme nombre par le tableur, qui a pu en perdre les zéros initiaux ou les chiffres au-delà du 15e : formatez la colonne en Texte dans le tableur (ou exportez directement depuis votre logiciel) puis renvoyez le fichier.',
      ],
    ]);
    const { rows } = await app.db.pool.query("SELECT data->>'leaseDate' AS date FROM events WHERE data->>'leaseId' = 'B-EX-80'");
    expect(rows).toEqual([{ date: '2026-10-12' }]);
  });

  it('downloads the template as CSV and XLSX; the XLSX template filled in imports as is', async () => {
    const csv = await adminFetch(`${app.url}/v1/imports/modele?format=csv`);
    expect(csv.status).toBe(200);
    const text = await csv.text();
    expect(text.split('\r\n')[0]).toMatch(/^\uFEFF?type;id_evenement;reference_bail;/);
    const xlsx = await adminFetch(`${app.url}/v1/imports/modele?format=xlsx`);
    expect(xlsx.headers.get('content-type')).toContain('spreadsheetml');
    const template = new ExcelJS.Workbook();
    await template.xlsx.load(Buffer.from(await xlsx.arrayBuffer()) as never);
    expect(template.worksheets.map((ws) => ws.name)).toEqual(['Baux', 'Explications']);
    const sent = await adminFetch(`${app.url}/v1/imports?format=xlsx&dryRun=true`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: Buffer.from(await template.xlsx.writeBuffer()),
    });
    expect(sent.status).toBe(415);
    const sentXlsx = await adminFetch(`${app.url}/v1/imports?dryRun=true`, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' },
      body: Buffer.from(await template.xlsx.writeBuffer()),
    });
    const { id } = (await sentXlsx.json()) as { id: string };
    const report = (
      await waitFor(
        () => getJson(`${app.url}/v1/imports/${id}`),
        (r) => ['termine', 'echoue', 'refuse'].includes(r.body.status),
      )
    ).body;
    expect(report).toMatchObject({ dryRun: true, status: 'termine', accepted: 1, rejected: 0 });
  });

  it('answers a workbook sent to the CSV route with a 415 in French, not a row error', async () => {
    const xlsx = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(64)]);
    const answer = await adminFetch(`${app.url}/v1/imports`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body: xlsx,
    });
    expect(answer.status).toBe(415);
    expect(((await answer.json()) as { detail: string }).detail).toContain('classeur Excel (.xlsx)');
  });
});

describe('Taking an import back', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp();
  });

  afterAll(async () => {
    await app.close();
  });

  it('previews, then cancels every lease an import recorded (LeaseCancelled citing the import), once, and only for the importing organisation', async () => {
    const lmh = await createKey(app.url, 'bailleur', 'lmh');
    const other = await createKey(app.url, 'bailleur', 'vilogia');
    const started = await fetch(`${app.url}/v1/imports`, {
      method: 'POST',
      headers: { ...lmh.auth, 'content-type': 'text/csv' },
      body: [HEADER, lease(60), lease(61), lease(62)].join('\r\n'),
    });
    const { id } = (await started.json()) as { id: string };
    await waitFor(
      () => getJson(`${app.url}/v1/imports/${id}`, lmh.auth),
      (r) => r.body.status === 'termine',
    );
    const cancellations = async () =>
      (
        await app.db.pool.query(
          "SELECT data->>'reason' AS reason, metadata->>'importId' AS import FROM events WHERE event_type = 'LeaseCancelled' AND metadata->>'importId' = $1",
          [id],
        )
      ).rows;
    const undo = (key: Record<string, string>, query = '') =>
      postJson(`${app.url}/v1/imports/${id}/cancellation${query}`, { reason: 'Fichier envoyé par erreur' }, key);

    expect((await undo(other.auth)).status).toBe(404);
    const preview = await undo(lmh.auth, '?dryRun=true');
    expect(preview).toMatchObject({ status: 200, body: { dryRun: true, leases: 3, cancelled: 3, alreadyCancelled: 0 } });
    expect(await cancellations()).toEqual([]);

    const done = await undo(lmh.auth);
    expect(done.body).toMatchObject({ dryRun: false, leases: 3, cancelled: 3 });
    const recorded = await cancellations();
    expect(recorded).toHaveLength(3);
    expect(recorded[0]).toEqual({ reason: `Annulation de l’import ${id} : Fichier envoyé par erreur`, import: id });

    expect((await undo(lmh.auth)).body).toMatchObject({ cancelled: 0, alreadyCancelled: 3 });
    expect(await cancellations()).toHaveLength(3);
  });
});
