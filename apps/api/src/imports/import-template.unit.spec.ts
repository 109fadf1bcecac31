import fc from 'fast-check';
import { FINANCINGS, GESTION_MODES, TYPOLOGIES } from '@vigie/domain';
import { csvRows, rowsOf } from './import-format.js';
import { templateCsv, templateXlsx, type TemplateLease } from './import-template.js';
import { sheetRecords, workbookRecords } from './import-workbook.js';
import { PRIORITY_CATEGORIES, readNumeroUnique } from './import-values.js';
import { decodeImportFile } from './import-encoding.js';
import { matchColumns } from './import-columns.js';

const reference = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,20}$/);
const organisation = fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,20}$/);
const numeroUnique = fc.stringMatching(/^0[1-9]\d{16}$/).filter((value) => readNumeroUnique(value).ok);
const day = fc
  .date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2030-12-31T00:00:00Z'), noInvalidDate: true })
  .map((date) => date.toISOString().slice(0, 10));

const lease: fc.Arbitrary<TemplateLease> = fc.record({
  leaseId: reference,
  caseId: reference,
  bailleurId: organisation,
  leaseDate: day,
  flat: fc.record({
    rplsId: fc.stringMatching(/^\d{1,20}$/),
    communeInsee: fc.oneof(fc.stringMatching(/^\d{5}$/), fc.stringMatching(/^2[AB]\d{3}$/)),
    epciSiren: fc.constantFrom('200093201', '200054781', '245900410'),
    qpvCode: fc.option(fc.stringMatching(/^QP0\d{5}$/), { nil: null }),
    typology: fc.constantFrom(...TYPOLOGIES),
    financing: fc.constantFrom(...FINANCINGS),
  }),
  household: fc.record({
    numeroUnique,
    numeroUniqueConfirme: fc.boolean(),
    composition: fc.record({
      personsAged14OrMore: fc.integer({ min: 1, max: 9 }),
      childrenUnder14: fc.integer({ min: 0, max: 9 }),
    }),
    yearlyResources: fc.option(
      fc.integer({ min: 0, max: 100_000_000 }).map((cents) => cents / 100),
      { nil: null },
    ),
  }),
  flags: fc.record({
    dalo: fc.boolean(),
    priorityCategory: fc.option(fc.constantFrom(...PRIORITY_CATEGORIES.map((category) => category.label)), { nil: null }),
    relogeRenouvellementUrbain: fc.boolean(),
    relogeCoproDegradee: fc.boolean(),
    internalMutation: fc.boolean(),
    interBailleurMobility: fc.boolean(),
    publicAgent: fc.boolean(),
  }),
  reservataireId: fc.option(organisation, { nil: null }),
  gestionMode: fc.constantFrom(...GESTION_MODES),
});

async function all<T>(rows: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const row of rows) out.push(row);
  return out;
}

describe('A lease written by the template reads back as the same facts', () => {
  it('through the CSV template', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(lease, { minLength: 1, maxLength: 5 }), async (leases) => {
        const { text, encoding } = decodeImportFile(Buffer.from(templateCsv(leases), 'utf8'));
        expect(encoding).toBe('UTF-8');
        const rows = await all(csvRows(text));
        expect(rows.map((row) => row.problems)).toEqual(leases.map(() => []));
        expect(rows.map((row) => ({ ...row.body, eventId: undefined }))).toEqual(
          leases.map((l) => ({ ...l, eventId: undefined, confirmeDoublon: false })),
        );
      }),
    );
  });

  it('through the XLSX template (identifiers as text, real date cells, numbers)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(lease, { minLength: 1, maxLength: 3 }), async (leases) => {
        const bytes = await templateXlsx(leases);
        // Read as an import reads it; a refusal says its underlying cause.
        const records = await all(sheetRecords(bytes)).catch((error: Error) => {
          throw new Error(`${error.message} (cause : ${(error.cause as Error | undefined)?.stack ?? 'aucune'})`);
        });
        expect(matchColumns(records[0]!.cells, new Set(['bail'] as const)).ok).toBe(true);
        const rows = await all(rowsOf(records));
        expect(rows.map((row) => row.problems)).toEqual(leases.map(() => []));
        expect(rows.map((row) => ({ ...row.body, eventId: undefined }))).toEqual(
          leases.map((l) => ({ ...l, eventId: undefined, confirmeDoublon: false })),
        );
      }),
      { numRuns: 25 },
    );
    // 25 workbooks written and read by exceljs: about 3 s on a quiet machine, over 30 s on a loaded one.
  }, 120_000);

  it('reads a named sheet, and says which sheets exist when it is absent', async () => {
    const bytes = await templateXlsx();
    const help = await workbookRecords(bytes, 'Explications');
    expect('records' in help && help.records[0]!.cells).toEqual(['Colonne', 'Obligatoire pour', 'Contenu']);
    expect(await workbookRecords(bytes, 'Feuil1')).toEqual({
      error: 'Feuille « Feuil1 » absente du classeur (feuilles : « Baux », « Explications »).',
    });
    expect(await workbookRecords(Buffer.from('not a zip'))).toMatchObject({
      error: expect.stringContaining('pas un classeur XLSX'),
    });
  });
});
