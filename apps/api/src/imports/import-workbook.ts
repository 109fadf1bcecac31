import ExcelJS from 'exceljs';

/** One record of a sheet, as the CSV reader gives them: the row number and its cells as text. */
export interface SheetRecord {
  readonly line: number;
  readonly cells: string[];
}

/**
 * A cell of a workbook as the text the import reads (import-values.ts): a real date cell is its
 * calendar day `AAAA-MM-JJ`, a number its digits (a numéro unique Excel stored as a number keeps
 * the damage, which the reader then refuses), a boolean `vrai`/`faux`, a formula its result.
 */
export function cellText(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  if (typeof value === 'number')
    return Number.isInteger(value) && Math.abs(value) >= 1e21 ? value.toExponential() : String(value);
  if (typeof value === 'boolean') return value ? 'vrai' : 'faux';
  if (typeof value === 'string') return value;
  if ('richText' in value) return value.richText.map((part) => part.text).join('');
  if ('formula' in value || 'sharedFormula' in value) return cellText((value as { result?: ExcelJS.CellValue }).result ?? null);
  if ('text' in value) return String(value.text);
  return '';
}

/**
 * The records of an XLSX workbook's sheet (the first, or the one named), read with `exceljs`; its
 * first non-empty row is the header. A file that is not a workbook, or a sheet not found, gives
 * the French message to show.
 */
export async function workbookRecords(
  bytes: Buffer,
  sheetName?: string,
): Promise<{ records: SheetRecord[] } | { error: string }> {
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.load(bytes as never);
  } catch {
    return {
      error:
        'Ce fichier n’est pas un classeur XLSX lisible : enregistrez-le depuis le tableur au format « Classeur Excel (.xlsx) ».',
    };
  }
  const sheet = sheetName === undefined ? workbook.worksheets[0] : workbook.getWorksheet(sheetName);
  if (!sheet) {
    const names = workbook.worksheets.map((ws) => `« ${ws.name} »`).join(', ');
    return { error: `Feuille « ${sheetName ?? ''} » absente du classeur (feuilles : ${names || 'aucune'}).` };
  }
  const records: SheetRecord[] = [];
  const width = sheet.columnCount;
  sheet.eachRow({ includeEmpty: false }, (row, line) => {
    const cells = Array.from({ length: width }, (_, i) => cellText(row.getCell(i + 1).value));
    while (cells.length && cells[cells.length - 1] === '') cells.pop();
    if (cells.length) records.push({ line, cells });
  });
  return { records };
}
