import ExcelJS from 'exceljs';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { parisOffsetMinutes } from '@vigie/domain';
import { askedFormat, sendDownload } from './csv.js';

export const XLSX_MEDIA_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** A typed cell: numbers stay numbers, days and Paris times are real spreadsheet dates. */
export type XlsxCell = string | number | boolean | null | undefined | { readonly day: string } | { readonly instant: string };

/** A calendar day (YYYY-MM-DD, a Paris day already) as a date cell. */
export const dayCell = (day: string | null | undefined): XlsxCell => (day ? { day } : null);
/** An instant (ISO 8601 with offset) as a date-time cell in Paris time. */
export const instantCell = (instant: string | null | undefined): XlsxCell => (instant ? { instant } : null);

/** `?format=xlsx` or `Accept` asking for a workbook. */
export function wantsXlsx(request: FastifyRequest): boolean {
  return askedFormat(request) === 'xlsx' || (request.headers.accept ?? '').includes('spreadsheetml');
}

/** A spreadsheet has no time zone: a Paris time is written as the wall-clock time it shows in Paris. */
function parisWallClock(instant: Date): Date {
  return new Date(instant.getTime() + parisOffsetMinutes(instant) * 60_000);
}

function valueOf(cell: XlsxCell): { value: ExcelJS.CellValue; numFmt?: string } {
  if (cell === null || cell === undefined) return { value: null };
  if (typeof cell === 'boolean') return { value: cell ? 'oui' : 'non' };
  if (typeof cell === 'object' && 'day' in cell) return { value: new Date(`${cell.day}T00:00:00Z`), numFmt: 'dd/mm/yyyy' };
  if (typeof cell === 'object') return { value: parisWallClock(new Date(cell.instant)), numFmt: 'dd/mm/yyyy hh:mm' };
  return { value: cell };
}

/**
 * The width a cell needs to be shown (characters, margin included): a date or a number too wide
 * for its column shows as ##### in the spreadsheet; a text longer than 40 may overflow instead.
 */
function shownWidth(cell: XlsxCell): number {
  const { value, numFmt } = valueOf(cell);
  if (numFmt) return numFmt.length + 2;
  if (typeof value === 'number') return String(value).length + 2;
  return Math.min(40, String(value ?? '').length + 2);
}

/**
 * One sheet with French headers (bold, frozen, filterable) and typed cells, built with exceljs:
 * what the CSV answers say, for people who open it in a spreadsheet without an import wizard.
 */
export async function xlsxWorkbook(sheet: string, headers: readonly string[], rows: readonly (readonly XlsxCell[])[]) {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'Vigie';
  const worksheet = workbook.addWorksheet(sheet, { views: [{ state: 'frozen', ySplit: 1 }] });
  worksheet.addRow([...headers]).font = { bold: true };
  for (const row of rows) {
    const added = worksheet.addRow(row.map((cell) => valueOf(cell).value));
    row.forEach((cell, index) => {
      const { numFmt } = valueOf(cell);
      if (numFmt) added.getCell(index + 1).numFmt = numFmt;
    });
  }
  const widths = headers.map((header) => Math.min(40, Math.max(10, header.length + 2)));
  for (const row of rows) row.forEach((cell, index) => (widths[index] = Math.max(widths[index] ?? 10, shownWidth(cell))));
  worksheet.columns.forEach((column, index) => {
    column.width = widths[index]!;
  });
  if (headers.length) worksheet.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: headers.length } };
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

export async function sendXlsx(
  reply: FastifyReply,
  filename: string,
  sheet: string,
  headers: readonly string[],
  rows: readonly (readonly XlsxCell[])[],
): Promise<void> {
  const body = await xlsxWorkbook(sheet, headers, rows);
  sendDownload(reply, filename, XLSX_MEDIA_TYPE, body);
}
