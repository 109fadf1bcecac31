import fc from 'fast-check';
import ExcelJS from 'exceljs';
import JSZip from 'jszip';
import { rowsOf } from './import-format.js';
import { cellRead, sheetRecords } from './import-workbook.js';

const HEADER = [
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
  'enfants_moins_14_ans',
  'revenus_annuels',
  'dalo',
  'categorie_prioritaire',
  'mode_gestion',
];
/** A lease row as text cells, each column's cell replaced by `cells`. */
const lease = (cells: Record<string, ExcelJS.CellValue>) =>
  HEADER.map(
    (name) =>
      cells[name] ??
      {
        reference_bail: 'B-1',
        reference_dossier: 'D-1',
        bailleur: 'lmh',
        date_bail: '12/10/2026',
        rpls: '5935000003',
        code_insee: '59350',
        siren_epci: '200093201',
        typologie: 'T3',
        financement: 'PLUS',
        menage: '059122700000601000',
        personnes_14_ans_et_plus: '1',
        enfants_moins_14_ans: '0',
        revenus_annuels: '12500',
        dalo: 'non',
        categorie_prioritaire: '',
        mode_gestion: 'directe',
      }[name],
  );

/** The rows a workbook whose sheet holds HEADER and `rows` reads into (`format`: number formats by column). */
async function rowsOfWorkbook(rows: ExcelJS.CellValue[][], format: Record<string, string> = {}) {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('Baux');
  sheet.addRow(HEADER);
  for (const cells of rows) {
    const row = sheet.addRow(cells);
    for (const [name, numFmt] of Object.entries(format)) row.getCell(HEADER.indexOf(name) + 1).numFmt = numFmt;
  }
  const bytes = Buffer.from(await workbook.xlsx.writeBuffer());
  const out = [];
  for await (const row of rowsOf(sheetRecords(bytes))) out.push(row);
  return out;
}

// DATE(2026,10,12) in Excel's 1900 day count.
const OCTOBER_12 = Date.UTC(2026, 9, 12) / 86_400_000 + 25_569;

describe('A workbook cell is read as what it holds', () => {
  it('a formula is its cached result, in every column; a date formula shown as a date is that day', async () => {
    const [row] = await rowsOfWorkbook(
      [
        lease({
          date_bail: { formula: 'DATE(2026,10,12)', result: OCTOBER_12 } as ExcelJS.CellValue,
          menage: { formula: '"059122700000601"&"000"', result: '059122700000601000' } as ExcelJS.CellValue,
          revenus_annuels: { formula: '12000+500', result: 12500 } as ExcelJS.CellValue,
          personnes_14_ans_et_plus: { formula: '1+1', result: 2 } as ExcelJS.CellValue,
        }),
      ],
      { date_bail: 'dd/mm/yyyy' },
    );
    expect(OCTOBER_12).toBe(46307);
    expect(row!.problems).toEqual([]);
    expect(row!.body).toMatchObject({
      leaseDate: '2026-10-12',
      household: { numeroUnique: '059122700000601000', composition: { personsAged14OrMore: 2 }, yearlyResources: 12500 },
    });
  });

  it('a formula or a cell in error is refused, never read as an empty cell (unknown resources, no DALO)', async () => {
    const [row] = await rowsOfWorkbook([
      lease({
        revenus_annuels: { error: '#DIV/0!' } as ExcelJS.CellValue,
        personnes_14_ans_et_plus: { error: '#N/A' } as ExcelJS.CellValue,
      }),
    ]);
    expect(row!.problems!.map((p) => [p.path, p.code, p.message.split(' :')[0]])).toEqual([
      ['personnes_14_ans_et_plus', 'SPREADSHEET_DAMAGE', 'cellule en erreur dans le tableur (#N/A)'],
      ['revenus_annuels', 'SPREADSHEET_DAMAGE', 'cellule en erreur dans le tableur (#DIV/0!)'],
    ]);
    // A formula's error result, which exceljs reads from Excel's file as NaN (its own writer leaves it out).
    expect(cellRead({ value: { formula: '1/0', result: Number.NaN } as ExcelJS.CellValue, numFmt: '' })).toEqual({
      text: '#ERREUR',
      numeric: false,
    });
  });

  it('a formula whose file holds no result (its result in error, or never computed) is refused in any column, never read as empty', async () => {
    // Excel stores `<c t="e"><f>VLOOKUP(…)</f><v>#N/A</v></c>`: exceljs gives the formula without its result.
    const [row] = await rowsOfWorkbook([
      lease({
        enfants_moins_14_ans: { formula: 'VLOOKUP(A1,Z:Z,2,0)' } as ExcelJS.CellValue,
        categorie_prioritaire: { formula: 'X1' } as ExcelJS.CellValue,
        revenus_annuels: { formula: '1/0' } as ExcelJS.CellValue,
        dalo: { formula: 'Z9' } as ExcelJS.CellValue,
      }),
    ]);
    expect(row!.problems!.map((p) => [p.path, p.code, p.message.split(' :')[0]])).toEqual(
      ['enfants_moins_14_ans', 'revenus_annuels', 'dalo', 'categorie_prioritaire'].map((column) => [
        column,
        'SPREADSHEET_DAMAGE',
        'cellule calculée par une formule sans résultat lisible dans le fichier (formule en erreur, ou jamais calculée)',
      ]),
    );
  });

  it('a number in a date column (a serial not formatted as a date) is refused saying so, never as a number the user did not type', async () => {
    const [plain, formula] = await rowsOfWorkbook([
      lease({ date_bail: OCTOBER_12 }),
      lease({ date_bail: { formula: 'DATE(2026,10,12)', result: OCTOBER_12 } as ExcelJS.CellValue }),
    ]);
    for (const row of [plain, formula])
      expect(row!.problems).toEqual([
        {
          path: 'leaseDate',
          code: 'INVALID_VALUE',
          message: 'date du bail : cellule numérique, pas une date : formatez la colonne en date ou écrivez JJ/MM/AAAA.',
        },
      ]);
  });

  it('a number in an identifier column is a spreadsheet’s damage, refused in every identifier column; amounts and counts read as numbers', async () => {
    const [row] = await rowsOfWorkbook([
      lease({
        menage: 59122700000601,
        rpls: 5935000003,
        code_insee: 59350,
        siren_epci: 200093201,
        reference_bail: 2026001,
        reference_dossier: { formula: '41+1', result: 42 } as ExcelJS.CellValue,
        revenus_annuels: 12500.5,
        personnes_14_ans_et_plus: 3,
      }),
    ]);
    expect(row!.problems!.map((p) => [p.path, p.code])).toEqual([
      ['leaseId', 'SPREADSHEET_DAMAGE'],
      ['caseId', 'SPREADSHEET_DAMAGE'],
      ['flat.rplsId', 'SPREADSHEET_DAMAGE'],
      ['flat.communeInsee', 'SPREADSHEET_DAMAGE'],
      ['flat.epciSiren', 'SPREADSHEET_DAMAGE'],
      ['household.numeroUnique', 'SPREADSHEET_DAMAGE'],
    ]);
    expect(row!.problems![5]!.message).toBe(
      'numéro unique enregistré comme nombre par le tableur, qui a pu en perdre les zéros initiaux ou les chiffres au-delà du 15e : formatez la colonne en Texte dans le tableur (ou exportez directement depuis votre logiciel) puis renvoyez le fichier.',
    );
    // The number is never echoed: a numéro unique is personal data.
    for (const problem of row!.problems!) expect(problem.message).not.toMatch(/\d{5}/);
    expect(row!.body).toMatchObject({ household: { composition: { personsAged14OrMore: 3 }, yearlyResources: 12500.5 } });
  });
});

/** The same archive, its parts stored in `order` (indexes into its parts as stored). */
async function repacked(bytes: Buffer, order: (names: string[]) => string[]): Promise<Buffer> {
  const source = await JSZip.loadAsync(bytes);
  const names = Object.keys(source.files).filter((name) => !source.files[name]!.dir);
  const target = new JSZip();
  for (const name of order(names)) target.file(name, await source.file(name)!.async('uint8array'));
  return target.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
}

async function records(input: Buffer, sheet?: string) {
  const out = [];
  for await (const record of sheetRecords(input, sheet)) out.push(record);
  return out;
}

describe('A workbook reads the same whatever the order its archive stores its parts in', () => {
  // Excel and exceljs store the sheets before the shared strings and the workbook part last; other
  // tools store them otherwise. A sheet is read once its workbook's parts are, whatever their order.
  let bytes: Buffer;
  beforeAll(async () => {
    const workbook = new ExcelJS.Workbook();
    workbook.addWorksheet('Notes').addRow(['Export du 30/11/2026']);
    const sheet = workbook.addWorksheet('Baux');
    sheet.addRow(HEADER);
    sheet.addRow(lease({ date_bail: new Date(Date.UTC(2026, 9, 12)) })).getCell(4).numFmt = 'dd/mm/yyyy';
    sheet.addRow(lease({ reference_bail: 'B-2', revenus_annuels: 9800.5 }));
    bytes = Buffer.from(await workbook.xlsx.writeBuffer());
  });

  it('reads the named sheet and the first tab, from the bytes as exceljs stores them', async () => {
    expect((await records(bytes)).map((record) => record.cells)).toEqual([['Export du 30/11/2026']]);
    const baux = await records(bytes, 'Baux');
    expect(baux.map((record) => [record.line, record.cells[0], record.cells[3], record.cells[12]])).toEqual([
      [1, 'reference_bail', 'date_bail', 'revenus_annuels'],
      [2, 'B-1', '2026-10-12', '12500'],
      [3, 'B-2', '12/10/2026', '9800.5'],
    ]);
  });

  it('gives the same records for any order of the parts', async () => {
    const expected = await records(bytes, 'Baux');
    await fc.assert(
      fc.asyncProperty(fc.infiniteStream(fc.nat()), async (draws) => {
        const shuffled = await repacked(bytes, (names) => {
          const out = [...names];
          for (let i = out.length - 1; i > 0; i -= 1) {
            const j = draws.next().value % (i + 1);
            [out[i], out[j]] = [out[j]!, out[i]!];
          }
          return out;
        });
        expect(await records(shuffled, 'Baux')).toEqual(expected);
      }),
      { numRuns: 20 },
    );
    const first = (part: string) => (names: string[]) => [part, ...names.filter((name) => name !== part)];
    expect(await records(await repacked(bytes, first('xl/workbook.xml')), 'Baux')).toEqual(expected);
    expect(await records(await repacked(bytes, (names) => [...names].reverse()), 'Baux')).toEqual(expected);
  });

  it('refuses an archive without its workbook part as not a workbook, and names the sheets when one is absent', async () => {
    const withoutWorkbook = await repacked(bytes, (names) => names.filter((name) => name !== 'xl/workbook.xml'));
    await expect(records(withoutWorkbook)).rejects.toThrow('pas un classeur XLSX lisible');
    await expect(records(bytes, 'Feuil1')).rejects.toThrow(
      'Feuille « Feuil1 » absente du classeur (feuilles : « Notes », « Baux »).',
    );
  });
});

describe('The sheet an import reads', () => {
  it('is the first tab shown, a hidden sheet before it skipped; a named one whatever its case (as the spreadsheet names it)', async () => {
    const workbook = new ExcelJS.Workbook();
    workbook.addWorksheet('Cachée', { state: 'hidden' }).addRow(['x']);
    workbook.addWorksheet('Très cachée', { state: 'veryHidden' }).addRow(['y']);
    workbook.addWorksheet('Baux 2026').addRow(['reference_bail']);
    workbook.addWorksheet('Notes').addRow(['Export du 30/11/2026']);
    const bytes = Buffer.from(await workbook.xlsx.writeBuffer());
    const first = async (sheet?: string) => (await records(bytes, sheet))[0]?.cells;
    expect(await first()).toEqual(['reference_bail']);
    expect(await first('baux 2026')).toEqual(['reference_bail']);
    expect(await first('NOTES')).toEqual(['Export du 30/11/2026']);
    expect(await first('Cachée')).toEqual(['x']);
    await expect(first('Feuil1')).rejects.toThrow('Feuille « Feuil1 » absente du classeur');
  });
});

describe('A workbook as Gnumeric writes it', () => {
  // Pretty-printed parts, a date format on the column's style and none on its cells, a text in two runs.
  const MAIN = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"';
  const REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
  const parts: Record<string, string> = {
    'xl/workbook.xml': `<workbook ${MAIN} xmlns:r="${REL}"><sheets><sheet name="Baux" sheetId="1" r:id="rId1"/></sheets></workbook>`,
    'xl/_rels/workbook.xml.rels': `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
      <Relationship Id="rId1" Type="${REL}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`,
    'xl/styles.xml': `<styleSheet ${MAIN}>
      <numFmts count="1"><numFmt formatCode="dd/mm/yyyy" numFmtId="100"/></numFmts>
      <fonts count="1"><font><sz val="10"/></font></fonts>
      <fills count="1"><fill><patternFill patternType="none"/></fill></fills>
      <borders count="1"><border/></borders>
      <cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
      <cellXfs count="3">
        <xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>
        <xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
        <xf numFmtId="100" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
      </cellXfs>
    </styleSheet>`,
    'xl/sharedStrings.xml': `<sst ${MAIN} count="3" uniqueCount="3">
      <si>
        <t>reference_bail</t>
      </si>
      <si>
        <t>date_bail</t>
      </si>
      <si>
        <r>
          <t xml:space="preserve">B-</t>
        </r>
        <r>
          <rPr><b/></rPr>
          <t>2026-1</t>
        </r>
      </si>
    </sst>`,
    'xl/worksheets/sheet1.xml': `<worksheet ${MAIN}>
      <cols>
        <col min="1" max="1" style="1" width="12"/>
        <col min="2" max="2" style="2" width="12"/>
      </cols>
      <sheetData>
        <row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>
        <row r="2">
          <c r="A2" t="s">
            <v>2</v>
          </c>
          <c r="B2">
            <v>46083</v>
          </c>
        </row>
      </sheetData>
    </worksheet>`,
  };

  it('reads a number in a date column as that day, and texts without the file’s indentation', async () => {
    const zip = new JSZip();
    for (const [name, text] of Object.entries(parts)) zip.file(name, text);
    const bytes = await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
    expect((await records(bytes)).map((record) => record.cells)).toEqual([
      ['reference_bail', 'date_bail'],
      ['B-2026-1', '2026-03-02'],
    ]);
  });
});
