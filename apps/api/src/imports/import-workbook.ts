import { createReadStream, ReadStream } from 'node:fs';
import { Readable } from 'node:stream';
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
          const cells = Array.from({ length: row.cellCount }, (_, i) => cellText(row.getCell(i + 1).value));
          while (cells.length && cells[cells.length - 1] === '') cells.pop();
          if (cells.length) yield { line: row.number, cells };
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
