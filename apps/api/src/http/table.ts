import type { FastifyReply, FastifyRequest } from 'fastify';
import { csvDay, csvTimestamp, sendCsv, toCsv, wantsCsv } from './csv.js';
import { sendXlsx, wantsXlsx, type XlsxCell } from './xlsx.js';

/** An export: French headers and typed rows, answered as a CSV or an XLSX of the same columns. */
export interface ExportTable {
  /** The file's name without its extension (`.csv` or `.xlsx` is added). */
  readonly filename: string;
  /** The XLSX sheet's name. */
  readonly sheet: string;
  readonly headers: readonly string[];
  readonly rows: readonly (readonly XlsxCell[])[];
}

/**
 * A typed cell as the CSV writes it, one date style throughout: a day JJ/MM/AAAA, an instant
 * JJ/MM/AAAA HH:MM in Paris time (the XLSX has real date cells, shown the same way).
 */
function csvValue(cell: XlsxCell): string | number | boolean | null | undefined {
  if (cell !== null && typeof cell === 'object') return 'day' in cell ? csvDay(cell.day) : csvTimestamp(cell.instant);
  return cell;
}

/** A share (0–1) as the percentage an export shows, to one decimal (0.25 → 25, 1/3 → 33.3); null stays null. */
export const percentCell = (share: number | null | undefined): number | null =>
  share === null || share === undefined ? null : Math.round(share * 1_000) / 10;

/** Whether the caller asks for an export (XLSX or CSV) rather than JSON. */
export const wantsTable = (request: FastifyRequest): boolean => wantsXlsx(request) || wantsCsv(request);

/**
 * Answers the table as XLSX (`?format=xlsx` or an `Accept` asking for a workbook), else as CSV
 * (`;`, decimal comma, UTF-8 with BOM): the same columns and cells in both.
 */
export async function sendTable(request: FastifyRequest, response: FastifyReply, table: ExportTable): Promise<void> {
  if (wantsXlsx(request)) {
    await sendXlsx(response, `${table.filename}.xlsx`, table.sheet, table.headers, table.rows);
    return;
  }
  sendCsv(
    response,
    `${table.filename}.csv`,
    toCsv(
      table.headers,
      table.rows.map((row) => row.map(csvValue)),
    ),
  );
}
