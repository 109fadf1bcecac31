import iconv from 'iconv-lite';
import fc from 'fast-check';
import { csvRows, ndjsonRows, countNdjsonRows, separatorOf, surveyCsv } from './import-format.js';
import { decodeImportFile, detectEncoding, EncodingDetector, isZipFile } from './import-encoding.js';
import { IMPORT_COLUMNS, matchColumns, normaliseHeader } from './import-columns.js';

async function all<T>(rows: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const row of rows) out.push(row);
  return out;
}

const LEASE_HEADER =
  'type;reference_bail;reference_dossier;bailleur;date_bail;rpls;code_insee;siren_epci;code_qpv;typologie;financement;menage;personnes_14_ans_et_plus;enfants_moins_14_ans;revenus_annuels;dalo;categorie_prioritaire;reservataire;mode_gestion';

describe('Import files are read row by row', () => {
  it('reads CSV rows lazily (csv-parse), with quotes, BOM, CRLF/LF and blank lines, numbered by the line they start on', async () => {
    const csv =
      '\uFEFFtype;reference_dossier;motif;menage;date_refus\r\nrefus_offre;C-1;"Trop loin;\nvraiment";059122700099990001;2026-03-01\n\nrefus_offre;C-2;"""";059122700099990002;01/03/2026\n';
    const rows = await all(csvRows(csv));
    expect(rows.map((row) => [row.line, row.kind, row.body.caseId, row.body.reason, row.body.declinedOn])).toEqual([
      [2, 'offer_declined', 'C-1', 'Trop loin;\nvraiment', '2026-03-01'],
      [5, 'offer_declined', 'C-2', '"', '2026-03-01'],
    ]);
    expect((await surveyCsv(csv)).rows).toBe(2);
    expect(await all(csvRows(''))).toEqual([]);
  });

  it('takes the separator its header uses: `;` or `,`', () => {
    expect(separatorOf('a;b;c\n1,5;2;3')).toBe(';');
    expect(separatorOf('a,b,c\n"1,5",2,3')).toBe(',');
  });

  it('reads a comma-separated file whose amounts are quoted', async () => {
    const csv = `${LEASE_HEADER.replaceAll(';', ',')}\nbail,B1,D1,lmh,2026-03-10,5935000003,59350,200093201,,T3,PLUS,059122700099990001,1,0,"9 800,50",non,,,directe\n`;
    const [row] = await all(csvRows(csv));
    expect(row!.problems).toEqual([]);
    expect((row!.body.household as { yearlyResources: number }).yearlyResources).toBe(9800.5);
  });

  it('reads a French Excel row: JJ/MM/AAAA, non-breaking thousands separator, words for none and yes/no, one message per bad value', async () => {
    const csv = [
      LEASE_HEADER,
      'bail;B1;D1;lmh;10/03/2026;5935000003;59350;200093201;;t3;plus;059122700099990001;1;0;12\u00a0500,5;Oui;aucune;;Directe',
      'bail;B2;D2;lmh;2026-02-30;5935000003;59350;200093201;;T9;PLUS;59122700012345600;1;0;9 800;peut-être;zzz;;directe',
    ].join('\r\n');
    const [good, bad] = await all(csvRows(csv));
    expect(good!.problems).toEqual([]);
    expect(good!.body).toMatchObject({
      leaseDate: '2026-03-10',
      flat: { typology: 'T3', financing: 'PLUS', qpvCode: null },
      household: { yearlyResources: 12500.5 },
      flags: { dalo: true, priorityCategory: null },
      gestionMode: 'directe',
    });
    expect(bad!.problems!.map((problem) => [problem.path, problem.code])).toEqual([
      ['leaseDate', 'INVALID_VALUE'],
      ['flat.typology', 'INVALID_VALUE'],
      ['household.numeroUnique', 'SPREADSHEET_DAMAGE'],
      ['flags.dalo', 'INVALID_VALUE'],
      ['flags.priorityCategory', 'INVALID_VALUE'],
    ]);
    expect(bad!.body.leaseDate).toBeUndefined();
  });

  it('refuses a cell a spreadsheet shows in error (its CSV export writes the code), in every column, never as empty or as a value', async () => {
    const csv = [
      LEASE_HEADER,
      'bail;B1;D1;lmh;10/03/2026;5935000003;59350;200093201;;T3;PLUS;059122700099990001;1;#N/A;#DIV/0!;#VALEUR!;#REF!;#NOM?;directe',
    ].join('\r\n');
    const [row] = await all(csvRows(csv));
    expect(row!.problems!.map((problem) => [problem.path, problem.code, problem.message.split(' :')[0]])).toEqual(
      [
        ['enfants_moins_14_ans', '#N/A'],
        ['revenus_annuels', '#DIV/0!'],
        ['dalo', '#VALEUR!'],
        ['categorie_prioritaire', '#REF!'],
        ['reservataire', '#NOM?'],
      ].map(([column, code]) => [column, 'SPREADSHEET_DAMAGE', `cellule en erreur dans le tableur (${code})`]),
    );
  });

  it('refuses a cell holding « \uFFFD » (a file decoded with the wrong character set, then saved), whatever its column, saying how to reopen it', async () => {
    const csv = [
      LEASE_HEADER,
      'bail;B1;D1;lmh;10/03/2026;5935000003;59350;200093201;;T3;PLUS;059122700099990001;1;0;9800;non;H\uFFFDbergement;;directe',
    ].join('\r\n');
    const [row] = await all(csvRows(csv));
    expect(row!.problems).toEqual([
      {
        path: 'categorie_prioritaire',
        code: 'SPREADSHEET_DAMAGE',
        message: expect.stringMatching(/^caractère illisible « \uFFFD » dans la cellule : .*Windows-1252/),
      },
    ]);
  });

  it('reads an overseas numéro ending in 000 as confirmed when its row says numero_unique_confirme = oui, on every row kind', async () => {
    const csv = [
      `${LEASE_HEADER};numero_unique_confirme;candidats;date_refus`,
      'bail;B1;D1;lmh;10/03/2026;5935000003;59350;200093201;;T3;PLUS;974122700012345000;1;0;9800;non;;;directe;oui;;',
      'bail;B2;D2;lmh;10/03/2026;5935000003;59350;200093201;;T3;PLUS;974122700012345000;1;0;9800;non;;;directe;;;',
      'decision_cal;;D3;lmh;;5935000003;59350;200093201;;T3;PLUS;;;;;;;;;oui;1:974122700012345000:attribution;',
      'refus_offre;;D3;lmh;;;;;;;;974122700012345000;;;;;;;;peut-être;;2026-03-05',
    ].join('\r\n');
    const [confirmed, unconfirmed, cal, declined] = await all(csvRows(csv));
    expect(confirmed!.problems).toEqual([]);
    expect(confirmed!.body.household).toMatchObject({ numeroUnique: '974122700012345000', numeroUniqueConfirme: true });
    expect(unconfirmed!.problems).toEqual([
      {
        path: 'household.numeroUnique',
        code: 'SPREADSHEET_DAMAGE',
        message: expect.stringContaining('confirmez-le : colonne numero_unique_confirme = oui'),
      },
    ]);
    expect(cal!.body.candidates).toEqual([
      { rank: 1, numeroUnique: '974122700012345000', numeroUniqueConfirme: true, decision: 'attribution' },
    ]);
    // A confirmation that is not a yes/no is refused in its own column, and confirms nothing.
    expect(declined!.problems!.map((problem) => [problem.path, problem.code])).toEqual([
      ['numeroUniqueConfirme', 'INVALID_VALUE'],
      ['numeroUnique', 'SPREADSHEET_DAMAGE'],
    ]);
  });

  it('reads NDJSON lines lazily; a line that is not an object is malformed, never spread into keys', async () => {
    const ndjson = '{"type":"lease","leaseId":"L-1"}\n\n"0591227000123"\n[1,2]\nnot json\n{"type":"other"}\n';
    const rows = await all(ndjsonRows(ndjson));
    expect(rows.map((row) => [row.line, row.kind, row.parseError ?? null, Object.keys(row.body)])).toEqual([
      [1, 'lease', null, ['leaseId']],
      [3, null, 'json', []],
      [4, null, 'json', []],
      [5, null, 'json', []],
      [6, null, 'type', []],
    ]);
    expect(await countNdjsonRows(ndjson)).toBe(rows.length);
    // Read as a file arrives, in chunks that cut lines anywhere: the same rows, on the same lines.
    expect(await all(ndjsonRows(chunked(ndjson, 7)))).toEqual(rows);
    expect(await countNdjsonRows(chunked(ndjson, 3))).toBe(rows.length);
  });

  it('reads a CSV file as it arrives: chunks cutting the header, a record or a quoted cell give the same records', async () => {
    const csv =
      'reference_bail,date_bail,categorie_prioritaire\r\nB-1,2026-03-10,"Sortant d’hébergement, ou de logement ""de transition"""\r\n\r\nB-2,10/03/2026,non\r\n';
    const whole = await all(csvRows(csv));
    expect(whole.map((row) => row.line)).toEqual([2, 4]);
    for (const size of [1, 5, 17, 64]) expect(await all(csvRows(chunked(csv, size)))).toEqual(whole);
  });
});

/** A text as a file's chunks of `size` characters. */
async function* chunked(text: string, size: number): AsyncGenerator<string> {
  for (let i = 0; i < text.length; i += size) yield text.slice(i, i + size);
}

describe('The encoding of a file is detected, and said', () => {
  const text = 'categorie;motif\nSortant d’hébergement;Œuvre à 1\u00a0000 €\n';

  it('reads UTF-8 with and without BOM', () => {
    const bytes = Buffer.from(text, 'utf8');
    expect(decodeImportFile(bytes)).toEqual({ text, encoding: 'UTF-8' });
    expect(decodeImportFile(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes]))).toEqual({ text, encoding: 'UTF-8' });
  });

  it('reads Windows-1252 (French Excel) and ISO-8859-15, accents intact', () => {
    expect(decodeImportFile(iconv.encode(text, 'windows-1252'))).toEqual({ text, encoding: 'windows-1252' });
    const latin9 = "motif\nSortant d'hébergement, loyer 500 €\n";
    expect(decodeImportFile(iconv.encode(latin9, 'ISO-8859-15'))).toEqual({ text: latin9, encoding: 'ISO-8859-15' });
  });

  it('reads UTF-16 (Excel’s « Texte Unicode ») little and big endian by its byte order mark, chunk by chunk', () => {
    for (const [name, encoding] of [
      ['utf-16le', 'UTF-16LE'],
      ['utf-16be', 'UTF-16BE'],
    ] as const) {
      const bytes = iconv.encode(text, name, { addBOM: true });
      expect(decodeImportFile(bytes)).toEqual({ text, encoding });
      const detector = new EncodingDetector();
      for (let i = 0; i < bytes.length; i += 1) detector.push(bytes.subarray(i, i + 1));
      expect(detector.result()).toBe(encoding);
    }
  });

  it('reads the lease rows of a tab-separated UTF-16 file, the columns named without a stray character', async () => {
    const row = 'bail;B1;D1;lmh;10/03/2026;5935000003;59350;200093201;;T3;PLUS;059122700099990001;1;0;9 800,50;non;;;directe';
    const tabbed = [LEASE_HEADER, row].map((line) => line.replaceAll(';', '\t')).join('\r\n');
    const { text: decoded } = decodeImportFile(iconv.encode(tabbed, 'utf-16le', { addBOM: true }));
    expect(separatorOf(decoded)).toBe('\t');
    expect(matchColumns((await surveyCsv(decoded)).header, new Set(['bail'] as const))).toMatchObject({ ok: true });
    const [lease] = await all(csvRows(decoded));
    expect(lease!.problems).toEqual([]);
    expect(lease!.body).toMatchObject({ leaseId: 'B1', household: { yearlyResources: 9800.5 } });
  });

  // A file of a few bytes can read as both (cp1252 `É»` is UTF-8 `ɻ`); a file with one accented French word cannot.
  it('any French text written in Windows-1252 or UTF-8 reads back the same', () => {
    const french = fc
      .string({ unit: fc.constantFrom(...'aeéèêàçùôœ’€ «»;,\n0123456789ÉÀÇ'.split('')) })
      .map((cells) => `type;catégorie\n${cells}`);
    fc.assert(
      fc.property(french, fc.constantFrom('utf8', 'windows-1252'), (value, encoding) => {
        expect(decodeImportFile(iconv.encode(value, encoding)).text).toBe(value);
      }),
    );
    expect(detectEncoding(Buffer.from('ascii only'))).toBe('UTF-8');
  });

  it('detects the encoding chunk by chunk, a character cut between two chunks included', () => {
    for (const [bytes, encoding] of [
      [Buffer.from(text, 'utf8'), 'UTF-8'],
      [iconv.encode(text, 'windows-1252'), 'windows-1252'],
      [iconv.encode('loyer 500 €\n', 'ISO-8859-15'), 'ISO-8859-15'],
      // A multi-byte sequence the file ends in the middle of is not UTF-8.
      [Buffer.from('é', 'utf8').subarray(0, 1), 'windows-1252'],
    ] as const) {
      for (const size of [1, 2, 3, 1024]) {
        const detector = new EncodingDetector();
        for (let i = 0; i < bytes.length; i += size) detector.push(bytes.subarray(i, i + size));
        expect(detector.result()).toBe(encoding);
      }
    }
  });

  it('knows a workbook (ZIP) from a text file', () => {
    expect(isZipFile(Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14]))).toBe(true);
    expect(isZipFile(Buffer.from('type;bail'))).toBe(false);
  });
});

describe('Columns are matched by name, strictly', () => {
  const kinds = new Set(['bail'] as const);

  it('matches regardless of case, accents, surrounding spaces and documented aliases', () => {
    expect(normaliseHeader('  Réservataire ')).toBe('reservataire');
    expect(normaliseHeader('Date bail')).toBe('date_bail');
    const header = LEASE_HEADER.split(';').map((name) => (name === 'reservataire' ? ' Réservataire ' : name.toUpperCase()));
    header[header.indexOf('MENAGE')] = 'Numéro unique';
    const result = matchColumns(header, kinds);
    expect(result.ok && result.columns).toEqual(LEASE_HEADER.split(';'));
  });

  it('refuses an unknown column with the closest name, a repeated one, and a missing one', () => {
    const header = LEASE_HEADER.replace('revenus_annuels', 'revenus_anuels').split(';');
    expect(matchColumns(header, kinds)).toEqual({
      ok: false,
      problems: [
        {
          column: 'revenus_anuels',
          code: 'COLUMN_UNKNOWN',
          message: 'colonne inconnue « revenus_anuels » : vouliez-vous dire « revenus_annuels » ?',
        },
        expect.objectContaining({ column: 'revenus_annuels', code: 'COLUMN_MISSING' }),
      ],
    });
    expect(matchColumns([...LEASE_HEADER.split(';'), 'Bailleur'], kinds)).toMatchObject({
      ok: false,
      problems: [{ code: 'COLUMN_DUPLICATED', column: 'Bailleur' }],
    });
    expect(matchColumns([...LEASE_HEADER.split(';'), 'xyzzy'], kinds)).toMatchObject({
      ok: false,
      problems: [{ code: 'COLUMN_UNKNOWN', message: expect.not.stringContaining('vouliez-vous') }],
    });
  });

  it('echoes an unknown column name without control characters, cut to 40 characters, never as a formula', () => {
    const long = 'colonne_ajoutee_par_le_logiciel_du_bailleur_en_2026';
    const result = matchColumns(
      [...LEASE_HEADER.split(';'), '\u0000t\u0000y\u0000p\u0000e', 'note\u200b\tinterne', long, '=1+1'],
      kinds,
    );
    expect(result.ok ? [] : result.problems.map((problem) => [problem.column, problem.message])).toEqual([
      ['?t?y?p?e', 'colonne inconnue « ?t?y?p?e » (voir les colonnes du modèle : GET /v1/imports/modele)'],
      ['note??interne', 'colonne inconnue « note??interne » (voir les colonnes du modèle : GET /v1/imports/modele)'],
      [
        `${long.slice(0, 40)}…`,
        `colonne inconnue « ${long.slice(0, 40)}… » (voir les colonnes du modèle : GET /v1/imports/modele)`,
      ],
      ['?1+1', 'colonne inconnue « ?1+1 » (voir les colonnes du modèle : GET /v1/imports/modele)'],
    ]);
  });

  it('needs the columns of the row kinds the file holds only', () => {
    expect(
      matchColumns(['type', 'reference_dossier', 'bailleur', 'menage', 'date_refus'], new Set(['refus_offre'] as const)).ok,
    ).toBe(true);
    expect(matchColumns(['type', 'reference_dossier', 'bailleur', 'menage', 'date_refus'], kinds).ok).toBe(false);
  });

  it('every column is documented', () => {
    for (const column of IMPORT_COLUMNS) expect(column.description.length).toBeGreaterThan(5);
  });
});
