import { posix } from 'node:path';
import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { SaxesParser } from 'saxes';
import yauzl from 'yauzl';

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
export function cellRead(
  cell: Pick<ExcelJS.Cell, 'value' | 'numFmt'>,
  date1904 = false,
  columnFormat?: string,
): { text: string; numeric: boolean } {
  const { value } = cell;
  // A cell without a format of its own shows its column's (as LibreOffice and Gnumeric, which
  // writes a date column so, read it): a day serial in a date column is that day.
  if (!cell.numFmt && columnFormat) {
    if (typeof value === 'number' && isDateFormat(columnFormat)) return { text: serialDay(value, date1904), numeric: false };
    return cellRead({ value, numFmt: columnFormat }, date1904);
  }
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
  if (typeof value === 'string') return withoutIndentation(value);
  if ('richText' in value) return value.richText.map((part) => withoutIndentation(part.text)).join('');
  if ('text' in value) return String(value.text);
  if ('error' in value) return String(value.error);
  return '';
}

/**
 * A text as written in `<t>`, without the indentation of a pretty-printed file (Gnumeric writes
 * one) that exceljs appends to it: a line break and the blanks after it, up to the next tag.
 */
function withoutIndentation(text: string): string {
  return text.replace(/\r?\n[ \t\r\n]*$/, '');
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

/**
 * The parts of exceljs's streaming `WorkbookReader` this reader drives itself (exceljs 4.4.0, pinned
 * in package.json: these are its internal part parsers). Its own `parse()` walks the archive as a
 * stream, in stored order, and spools every sheet stored before the shared strings to a temporary
 * file; on the same bytes it now and then refused a valid workbook (exceljs issue #3064: the last
 * part, `xl/workbook.xml` as Excel and exceljs store it, read after the sheets or not at all).
 */
interface WorkbookParts {
  workbookRels?: readonly { readonly Id: string; readonly Target: string }[];
  model?: { readonly sheets?: readonly WorkbookSheet[] };
  properties?: { readonly model?: { readonly date1904?: boolean } };
  sharedStrings?: unknown[];
  styles?: { getStyleModel(id: number): { numFmt?: string } | null };
  _parseRels(part: Readable): Promise<void>;
  _parseWorkbook(part: Readable): Promise<void>;
  _parseSharedStrings(part: Readable): AsyncGenerator<unknown>;
  _parseStyles(part: Readable): Promise<void>;
  _parseWorksheet(part: Readable, sheetNo: string): Generator<{ value: ExcelJS.stream.xlsx.WorksheetReader }>;
}

/** A sheet as the workbook lists it, in the order of its tabs; `state` hidden or veryHidden: not shown as a tab. */
interface WorkbookSheet {
  readonly name: string;
  readonly rId: string;
  readonly state?: string;
}

/**
 * The sheet an import reads: the one named, whatever the case (as the spreadsheet matches names:
 * Excel refuses two that differ only by case; an exact match first all the same), or else the
 * first tab shown (a hidden sheet is no tab the user sees first).
 */
export function sheetOf(sheets: readonly WorkbookSheet[], name: string | undefined): WorkbookSheet | undefined {
  if (name === undefined) return sheets.find((sheet) => sheet.state !== 'hidden' && sheet.state !== 'veryHidden');
  const folded = name.toLocaleLowerCase('fr');
  return sheets.find((sheet) => sheet.name === name) ?? sheets.find((sheet) => sheet.name.toLocaleLowerCase('fr') === folded);
}

/** A ZIP archive opened on its central directory: any part read in any order, none spooled to disk. */
interface Archive {
  /** The part's uncompressed bytes as a stream, or undefined when the archive has none by that name. */
  part(name: string): Promise<Readable | undefined>;
  close(): void;
}

async function openArchive(input: string | Buffer): Promise<Archive> {
  const options = { lazyEntries: true, autoClose: false };
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) => {
    const done = (error: Error | null, file: yauzl.ZipFile) => (error ? reject(error) : resolve(file));
    if (typeof input === 'string') yauzl.open(input, options, done);
    else yauzl.fromBuffer(input, options, done);
  });
  try {
    const entries = new Map<string, yauzl.Entry>();
    await new Promise<void>((resolve, reject) => {
      zip.on('entry', (entry: yauzl.Entry) => {
        entries.set(entry.fileName, entry);
        zip.readEntry();
      });
      zip.once('end', resolve);
      zip.once('error', reject);
      zip.readEntry();
    });
    return {
      part: (name) => {
        const entry = entries.get(name);
        if (!entry) return Promise.resolve(undefined);
        return new Promise((resolve, reject) =>
          zip.openReadStream(entry, (error, stream) => (error ? reject(error) : resolve(stream))),
        );
      },
      close: () => zip.close(),
    };
  } catch (error) {
    zip.close();
    throw error;
  }
}

/** A column range of a sheet and the style (an index into the workbook's cell formats) it gives its cells. */
interface ColumnStyle {
  readonly min: number;
  readonly max: number;
  readonly style: number;
}

/**
 * The column styles a sheet declares (its `<cols>`, before its rows): exceljs's reader drops them.
 * Reads the sheet's beginning only, up to its rows.
 */
async function columnStyles(sheet: Readable): Promise<ColumnStyle[]> {
  const columns: ColumnStyle[] = [];
  const parser = new SaxesParser();
  let rows = false;
  parser.on('opentag', (node) => {
    if (node.name === 'sheetData') rows = true;
    else if (node.name === 'col') {
      const [min, max, style] = ['min', 'max', 'style'].map((name) => Number(node.attributes[name]));
      if (Number.isInteger(min) && Number.isInteger(max) && Number.isInteger(style) && style! > 0)
        columns.push({ min: min!, max: max!, style: style! });
    }
  });
  const decoder = new TextDecoder();
  try {
    for await (const chunk of sheet) {
      parser.write(decoder.decode(chunk as Buffer, { stream: true }));
      if (rows) break;
    }
  } finally {
    sheet.destroy();
  }
  return columns;
}

/** Where a workbook relationship's target lies in the archive (targets are relative to `xl/`, or absolute). */
function partPath(target: string): string {
  return target.startsWith('/') ? posix.normalize(target.slice(1)) : posix.normalize(posix.join('xl', target));
}

/**
 * The records of an XLSX workbook's sheet (the first tab, or the one named), from a file or from its
 * bytes. The archive is opened on its central directory and its parts read in the order a sheet
 * needs them, by exceljs's own parsers: relationships, then the workbook (its tabs in order, the
 * 1900 or 1904 day count), the shared strings (each distinct text once in memory) and styles (so
 * that real date cells are read as dates), then the one sheet asked for, streamed row by row: never
 * the whole workbook in memory, nothing written to disk, the same records whatever the order the
 * parts are stored in. Its first non-empty row is the header; a row's trailing empty cells are
 * dropped. A file that is not a workbook, or a sheet not found, throws a `WorkbookError`.
 */
export async function* sheetRecords(input: string | Buffer, sheetName?: string): AsyncGenerator<SheetRecord> {
  let archive: Archive;
  try {
    archive = await openArchive(input);
  } catch (error) {
    throw new WorkbookError(NOT_A_WORKBOOK, { cause: error });
  }
  let sheetPart: Readable | undefined;
  try {
    const { worksheet, part, date1904, columnFormat } = await openSheet(archive, sheetName);
    sheetPart = part;
    try {
      for await (const row of worksheet as AsyncIterable<ExcelJS.Row>) {
        const read = Array.from({ length: row.cellCount }, (_, i) => cellRead(row.getCell(i + 1), date1904, columnFormat(i + 1)));
        while (read.length && read[read.length - 1]!.text === '') read.pop();
        if (!read.length) continue;
        const numbers = new Set(read.flatMap((cell, i) => (cell.numeric ? [i] : [])));
        yield { line: row.number, cells: read.map((cell) => cell.text), ...(numbers.size ? { numbers } : {}) };
      }
    } catch (error) {
      throw new WorkbookError(NOT_A_WORKBOOK, { cause: error });
    }
  } finally {
    // A sheet left before its end (the reader stopped early) is released, then the file closed.
    if (sheetPart && !sheetPart.readableEnded) sheetPart.destroy();
    archive.close();
  }
}

/**
 * The named sheet's reader (or the first tab's), its workbook's parts read first. Throws a
 * `WorkbookError`: not a workbook (a part missing or unreadable), or no sheet by that name.
 */
async function openSheet(
  archive: Archive,
  sheetName: string | undefined,
): Promise<{
  worksheet: ExcelJS.stream.xlsx.WorksheetReader;
  part: Readable;
  date1904: boolean;
  /** The number format of a column's style (1-based), for its cells without one of their own. */
  columnFormat: (column: number) => string | undefined;
}> {
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(Readable.from([]), {
    worksheets: 'emit',
    sharedStrings: 'cache',
    styles: 'cache',
    hyperlinks: 'ignore',
    entries: 'ignore',
  }) as unknown as WorkbookParts;
  let sheetPart: { stream: Readable; sheetNo: string } | undefined;
  let columns: readonly ColumnStyle[] = [];
  let sheets: readonly WorkbookSheet[];
  try {
    const required = async (name: string) => {
      const part = await archive.part(name);
      if (!part) throw new Error(`${name} absent`);
      return part;
    };
    await reader._parseRels(await required('xl/_rels/workbook.xml.rels'));
    await reader._parseWorkbook(await required('xl/workbook.xml'));
    const strings = await archive.part('xl/sharedStrings.xml');
    if (strings) for await (const _ of reader._parseSharedStrings(strings)) void _;
    reader.sharedStrings ??= [];
    const styles = await archive.part('xl/styles.xml');
    if (styles) await reader._parseStyles(styles);
    sheets = reader.model?.sheets ?? [];
    const sheet = sheetOf(sheets, sheetName);
    const target = sheet && reader.workbookRels?.find((rel) => rel.Id === sheet.rId)?.Target;
    if (target) {
      const path = partPath(target);
      columns = await columnStyles(await required(path));
      sheetPart = { stream: await required(path), sheetNo: /(\d+)\.xml$/.exec(path)?.[1] ?? '1' };
    }
  } catch (error) {
    throw new WorkbookError(NOT_A_WORKBOOK, { cause: error });
  }
  if (!sheetPart) {
    if (sheetName === undefined) throw new WorkbookError(NOT_A_WORKBOOK);
    const names = sheets.map((sheet) => `« ${sheet.name} »`).join(', ');
    throw new WorkbookError(`Feuille « ${sheetName} » absente du classeur (feuilles : ${names || 'aucune'}).`);
  }
  const [emitted] = reader._parseWorksheet(sheetPart.stream, sheetPart.sheetNo);
  if (!emitted) throw new WorkbookError(NOT_A_WORKBOOK);
  const styles = reader.styles;
  const formats = new Map<number, string | undefined>();
  return {
    worksheet: emitted.value,
    part: sheetPart.stream,
    date1904: reader.properties?.model?.date1904 === true,
    columnFormat: (column) => {
      if (!formats.has(column)) {
        const style = columns.find(({ min, max }) => min <= column && column <= max)?.style;
        formats.set(column, style ? (styles?.getStyleModel(style)?.numFmt ?? undefined) : undefined);
      }
      return formats.get(column);
    },
  };
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
    for await (const record of sheetRecords(bytes, sheetName)) records.push(record);
  } catch (error) {
    if (error instanceof WorkbookError) return { error: error.message };
    throw error;
  }
  return { records };
}
