import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
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
  for await (const row of rowsOf(sheetRecords(Readable.from([bytes])))) out.push(row);
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
      'numéro unique enregistré comme nombre par le tableur (zéros initiaux ou derniers chiffres perdus) : formatez la colonne en Texte dans le tableur (ou exportez directement depuis votre logiciel) puis renvoyez le fichier.',
    );
    // The number is never echoed: a numéro unique is personal data.
    for (const problem of row!.problems!) expect(problem.message).not.toMatch(/\d{5}/);
    expect(row!.body).toMatchObject({ household: { composition: { personsAged14OrMore: 3 }, yearlyResources: 12500.5 } });
  });
});
