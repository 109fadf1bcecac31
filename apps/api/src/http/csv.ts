import { type Request, type Response } from 'express';
import { parisCsvTimestamp } from '@vigie/domain';

type Cell = string | number | boolean | null | undefined;

/**
 * A text cell a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, a tab or a
 * carriage return) gets a leading `'`, so that it is shown as text, never evaluated (CSV
 * injection); numbers stay numbers. Every CSV Vigie answers goes through it.
 */
export function neutraliseForSpreadsheet(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

function cell(value: Cell): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'number' ? String(value).replace('.', ',') : neutraliseForSpreadsheet(String(value));
  return /[";\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** CSV for Excel users in France: `;` separator, decimal comma, UTF-8 with BOM, CRLF. */
export function toCsv(headers: readonly string[], rows: readonly (readonly Cell[])[]): string {
  return '\uFEFF' + [headers, ...rows].map((row) => row.map(cell).join(';')).join('\r\n') + '\r\n';
}

/** A timestamp as French users read it in a spreadsheet: `JJ/MM/AAAA HH:MM`, Paris time. */
export function csvTimestamp(iso: string | null | undefined): string | null {
  return iso ? parisCsvTimestamp(new Date(iso)) : null;
}

/** `?format=csv` or `Accept: text/csv`. */
export function wantsCsv(request: Request): boolean {
  if (request.query.format === 'csv') return true;
  const accept = request.headers.accept ?? '';
  return accept.includes('text/csv') && !accept.includes('application/json');
}

export function sendCsv(response: Response, filename: string, csv: string): void {
  response
    .status(200)
    .type('text/csv; charset=utf-8')
    .setHeader('Content-Disposition', `attachment; filename="${filename}"`)
    .send(csv);
}
