import { createReadStream, ReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';

/** One record of a sheet, as the CSV reader gives them: the row number and its cells as text. */
export interface SheetRecord {
  readonly line: number;
  readonly cells: string[];
  /**
   * The indexes (0-based) of the cells the workbook stores as numbers, not text nor dates (a
   * formula's numeric result included): in an identifier column such a cell proves the
   * spreadsheet converted what was typed (leading zeros, digits after the 15th lost), in a date
   * column it is a day serial the user never saw as such.
   */
  readonly numbers?: ReadonlySet<number>;
}

/**
 * A cell of a workbook as the text the import reads (import-values.ts), and whether it is stored
 * as a number: a real date cell is its calendar day `AAAA-MM-JJ`, a number its digits, a boolean
 * `vrai`/`faux`, a formula its cached result (a numeric result in a date format is that day, as
 * exceljs reads a plain date cell; exceljs leaves a formula's result a bare serial), an error its
 * code (`#N/A`; `#ERREUR` for a formula's, whose code exceljs loses, and for a formula whose file
 * holds no result, never computed): never empty, which would read as "unknown" or "no". `date1904`:
 * the workbook counts days from 1904 (old Mac Excel).
 */
export function cellRead(cell: Pick<ExcelJS.Cell, 'value' | 'numFmt'>, date1904 = false): { text: string; numeric: boolean } {
  const { value } = cell;
  if (value !== null && typeof value === 'object' && ('formula' in value || 'sharedFormula' in value)) {
    const result = (value as { result?: ExcelJS.CellValue }).result;
    // No result in the file: the formula's is an error (exceljs drops an error result's code) or
    // was never computed. Either way nothing can be read: refused, never taken for an empty cell.
    if (result === undefined || result === null) return { text: '#ERREUR', numeric: false };
    if (typeof result === 'number') {
      // An error result (#N/A, #DIV/0!) comes out of exceljs as NaN: kept visible, so that no reader takes it for an empty cell.
      if (!Number.isFinite(result)) return { text: '#ERREUR', numeric: false };
      if (isDateFormat(cell.numFmt)) return { text: serialDay(result, date1904), numeric: false };
    }
    return cellRead({ value: result, numFmt: cell.numFmt }, date1904);
  }
  return { text: cellText(value), numeric: typeof value === 'number' };
}

function cellText(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  if (typeof value === 'number')
    return Number.isInteger(value) && Math.abs(value) >= 1e21 ? value.toExponential() : String(value);
  if (typeof value === 'boolean') return value ? 'vrai' : 'faux';
  if (typeof value === 'string') return value;
  if ('richText' in value) return value.richText.map((part) => part.text).join('');
  if ('text' in value) return String(value.text);
  if ('error' in value) return String(value.error);
  return '';
}

/**
 * Whether a number format shows a date: it holds y, m, d (or h, s) outside quotes and brackets, the
 * test exceljs applies to plain cells (its own is not exported).
 */
function isDateFormat(format: string | undefined): boolean {
  return !!format && /[ymdhMsb]/.test(format.replace(/\[[^\]]*]/g, '').replace(/"[^"]*"/g, ''));
}

/** An Excel day serial (days since 1899-12-30, or 1904-01-01) as `AAAA-MM-JJ`. */
function serialDay(serial: number, date1904: boolean): string {
  const days = serial - 25_569 + (date1904 ? 1_462 : 0);
  return new Date(Math.round(days * 86_400_000)).toISOString().slice(0, 10);
}

/** A workbook that cannot be read as asked (not a workbook, no such sheet): the French message to show. */
export class WorkbookError extends Error {}

const NOT_A_WORKBOOK =
  'Ce fichier n’est pas un classeur XLSX lisible : enregistrez-le depuis le tableur au format « Classeur Excel (.xlsx) ».';

/** The sheets of a workbook, in the workbook's order (as the tabs show them). */
type SheetModel = { readonly name: string; readonly id: number };

/**
 * The records of an XLSX workbook's sheet (the first tab, or the one named), streamed by exceljs's
 * `WorkbookReader` from a file or a stream: never the whole workbook in memory, only its shared
 * strings (each distinct text once) and styles, so that real date cells are read as dates. A sheet
 * stored before the shared strings (as Excel and exceljs write them) is spooled by exceljs to a
 * temporary file, then read. Its first non-empty row is the header; a row's trailing empty cells are
 * dropped. A file that is not a workbook, or a sheet not found, throws a `WorkbookError`.
 */
export async function* sheetRecords(input: string | NodeJS.ReadableStream, sheetName?: string): AsyncGenerator<SheetRecord> {
  const stream = typeof input === 'string' ? createReadStream(input) : input;
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(stream as never, {
    worksheets: 'emit',
    sharedStrings: 'cache',
    styles: 'cache',
    hyperlinks: 'ignore',
    entries: 'ignore',
  });
  const sheets = () => (reader as unknown as { model?: { sheets?: SheetModel[] } }).model?.sheets ?? [];
  // The workbook's properties, read before its sheets (as the sheet list).
  const date1904 = () =>
    (reader as unknown as { properties?: { model?: { date1904?: boolean } } }).properties?.model?.date1904 === true;
  let found = false;
  try {
    for await (const worksheet of readerSheets(reader)) {
      // The first tab in the workbook's order (its list is stored before the sheets' data), or the one named.
      const wanted = sheetName ?? sheets()[0]?.name;
      const { name } = worksheet as unknown as { name?: string };
      if (found || (wanted !== undefined && name !== wanted)) {
        skip(worksheet);
        continue;
      }
      found = true;
      try {
        for await (const row of worksheet as AsyncIterable<ExcelJS.Row>) {
          const read = Array.from({ length: row.cellCount }, (_, i) => cellRead(row.getCell(i + 1), date1904()));
          while (read.length && read[read.length - 1]!.text === '') read.pop();
          if (!read.length) continue;
          const numbers = new Set(read.flatMap((cell, i) => (cell.numeric ? [i] : [])));
          yield { line: row.number, cells: read.map((cell) => cell.text), ...(numbers.size ? { numbers } : {}) };
        }
      } catch (error) {
        throw error instanceof WorkbookError ? error : new WorkbookError(NOT_A_WORKBOOK, { cause: error });
      }
    }
  } finally {
    if (typeof input === 'string') (stream as ReturnType<typeof createReadStream>).destroy();
  }
  if (!found) {
    const names = sheets()
      .map((sheet) => `« ${sheet.name} »`)
      .join(', ');
    throw new WorkbookError(`Feuille « ${sheetName ?? ''} » absente du classeur (feuilles : ${names || 'aucune'}).`);
  }
}

/**
 * A sheet not read: a sheet exceljs spooled to a temporary file is handed over as a file stream not
 * yet open, and exceljs deletes the file as soon as the next sheet is asked for; closed here, it
 * never tries to open a deleted file. (A sheet read straight from the archive is drained by exceljs.)
 */
function skip(worksheet: ExcelJS.stream.xlsx.WorksheetReader): void {
  const source = (worksheet as unknown as { iterator?: unknown }).iterator;
  if (source instanceof ReadStream) {
    source.on('error', () => undefined);
    source.destroy();
  }
}

/** The worksheets a reader emits; any failure to unzip or parse is a `WorkbookError`. */
async function* readerSheets(reader: ExcelJS.stream.xlsx.WorkbookReader): AsyncGenerator<ExcelJS.stream.xlsx.WorksheetReader> {
  const sheets = (reader as unknown as AsyncIterable<ExcelJS.stream.xlsx.WorksheetReader>)[Symbol.asyncIterator]();
  for (;;) {
    let next: IteratorResult<ExcelJS.stream.xlsx.WorksheetReader>;
    try {
      next = await sheets.next();
    } catch (error) {
      throw new WorkbookError(NOT_A_WORKBOOK, { cause: error });
    }
    if (next.done) return;
    yield next.value;
  }
}

/**
 * The records of an XLSX workbook's sheet gathered in memory (the first, or the one named): for a
 * small workbook (a template read back in a test); an import streams them (`sheetRecords`).
 */
export async function workbookRecords(
  bytes: Buffer,
  sheetName?: string,
): Promise<{ records: SheetRecord[] } | { error: string }> {
  const records: SheetRecord[] = [];
  try {
    for await (const record of sheetRecords(Readable.from([bytes]), sheetName)) records.push(record);
  } catch (error) {
    if (error instanceof WorkbookError) return { error: error.message };
    throw error;
  }
  return { records };
}
