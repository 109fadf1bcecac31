import type { FastifyReply, FastifyRequest } from 'fastify';
import { parisCsvTimestamp } from '@vigie/domain';
import { invalidField } from './problem.js';

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

/**
 * A calendar day (`YYYY-MM-DD`) as French users read it in a spreadsheet: `JJ/MM/AAAA`, the style
 * of every date of every CSV Vigie answers (the instants' too, see csvTimestamp). A French
 * spreadsheet reads it as a date, and Vigie's imports read it back.
 */
export function csvDay(day: string | null | undefined): string | null {
  return day ? day.split('-').reverse().join('/') : null;
}

/** A timestamp as French users read it in a spreadsheet: `JJ/MM/AAAA HH:MM`, Paris time. */
export function csvTimestamp(iso: string | null | undefined): string | null {
  return iso ? parisCsvTimestamp(new Date(iso)) : null;
}

/** The formats an export answers in (`?format=`); JSON is the default. */
const FORMATS = ['json', 'csv', 'xlsx'];

/**
 * `?format=` of an export, when given: one of json, csv, xlsx. Throws a 400 VALIDATION_FAILED
 * naming `format` otherwise (a `pdf` or an `xml` would otherwise be answered JSON without a word).
 */
export function askedFormat(request: FastifyRequest): string | undefined {
  const { format } = request.query as Record<string, unknown>;
  if (format === undefined) return undefined;
  if (typeof format === 'string' && FORMATS.includes(format)) return format;
  throw invalidField(
    'format',
    'INVALID_VALUE',
    `Format « ${String(format).slice(0, 20)} » inconnu : demandez format=csv, format=xlsx ou format=json (par défaut).`,
  );
}

/** `?format=csv` or `Accept: text/csv`. */
export function wantsCsv(request: FastifyRequest): boolean {
  if (askedFormat(request) === 'csv') return true;
  const accept = request.headers.accept ?? '';
  return accept.includes('text/csv') && !accept.includes('application/json');
}

/** Answers a file to download: 200, its media type, `Content-Disposition: attachment` with its name. */
export function sendDownload(reply: FastifyReply, filename: string, mediaType: string, body: string | Buffer): void {
  reply
    .code(200)
    .header('Content-Type', mediaType)
    .header('Content-Disposition', `attachment; filename="${filename}"`)
    .send(body);
}

export function sendCsv(reply: FastifyReply, filename: string, csv: string): void {
  sendDownload(reply, filename, 'text/csv; charset=utf-8', csv);
}
