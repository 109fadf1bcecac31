import { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { columnOf, type RowKindName } from './import-columns.js';
import {
  type CellResult,
  readAmount,
  readBoolean,
  readCount,
  readDate,
  readFinancing,
  readGestionMode,
  readInsee,
  readNumericCell,
  readNumeroUnique,
  readPriorityCategory,
  readRpls,
  readSiren,
  readTypology,
} from './import-values.js';

/**
 * The two import formats.
 *
 * CSV — the bailleur's export: `;` (or `,`, or tab) separated, UTF-8 (BOM accepted), Windows-1252,
 * ISO-8859-15 or UTF-16 with its BOM (detected, import-encoding.ts), headers matched as import-columns.ts says,
 * one fact per line; the `type` column says which (`bail` when absent):
 * - `bail`: id_evenement, reference_bail, reference_dossier, bailleur, date_bail, rpls, code_insee,
 *   siren_epci, code_qpv (empty: hors QPV), typologie, financement, menage, personnes_14_ans_et_plus,
 *   enfants_moins_14_ans, revenus_annuels (empty: inconnus; decimal comma accepted), dalo,
 *   categorie_prioritaire, reloge_ru, reloge_copro, mutation_interne, mobilite_inter_bailleurs,
 *   agent_public (oui / non), reservataire (empty: non réservé), mode_gestion (directe / deleguee),
 *   numero_unique_confirme (oui: a genuine numéro unique that looks damaged, confirmed; also on
 *   `decision_cal`, `refus_offre` and `correction_bail` rows);
 * - `decision_cal`: id_evenement, reference_dossier, bailleur, date_cal, rpls, code_insee, siren_epci,
 *   code_qpv, typologie, financement, reservataire, candidats (`rang:menage:decision|…`, decision one of
 *   attribution, attribution_sous_condition, non_attribution, irrecevable);
 * - `refus_offre`: id_evenement, reference_dossier, bailleur, menage, date_refus, motif;
 * - `annulation_bail`: id_evenement, reference_bail, reference_dossier, bailleur, motif — the lease
 *   stops counting (LeaseCancelled, as POST /v1/leases/{leaseId}/cancellation);
 * - `correction_bail`: every column of `bail` (the lease's whole new version) and motif
 *   (LeaseCorrected, as POST /v1/leases/{leaseId}/corrections).
 *
 * NDJSON — one JSON object per line, the body of the matching endpoint plus a `type`:
 * `lease` (POST /v1/leases), `cal_decision` (POST /v1/cal-decisions), `offer_declined`
 * (POST /v1/cal-decisions/{caseId}/offer-declined, with `caseId`), `lease_cancellation`
 * (POST /v1/leases/{leaseId}/cancellation, with `leaseId`), `lease_correction`
 * (POST /v1/leases/{leaseId}/corrections: `reason` and the whole `lease`).
 */
export type RowKind = 'lease' | 'cal_decision' | 'offer_declined' | 'lease_cancellation' | 'lease_correction';

/** A cell refused while reading the file, before the API's schema sees the row. */
export interface CellRejection {
  /** The API field path the cell feeds (`leaseDate`, `household.numeroUnique`). */
  readonly path: string;
  readonly code: string;
  readonly message: string;
}

export interface ParsedRow {
  /** Line number in the file (1-based, header included for CSV; the line where the record starts). */
  readonly line: number;
  readonly kind: RowKind | null;
  /** The body, shaped as the API takes it (a refused cell leaves its field out). */
  readonly body: Record<string, unknown>;
  /** Where each API field came from, for the report (CSV column names). */
  readonly columns: 'csv' | 'ndjson';
  readonly parseError?: string;
  /** Cells refused while reading (one per bad value). */
  readonly problems?: readonly CellRejection[];
  /** The raw cells by column name (CSV), for the report's rejected values. */
  readonly cells?: Readonly<Record<string, string>>;
}

/**
 * The separator a CSV file uses: the one its header line holds most of, `;` on a tie; a tab when
 * the header holds more tabs than either (Excel's « Texte Unicode » separates cells by tabs).
 */
export function separatorOf(text: string): ';' | ',' | '\t' {
  const end = text.search(/\r|\n/);
  const header = end === -1 ? text : text.slice(0, end);
  const count = (separator: string) => header.split(separator).length;
  const commaOrSemicolon = count(',') > count(';') ? ',' : ';';
  return count('\t') > count(commaOrSemicolon) ? '\t' : commaOrSemicolon;
}

/** Text a reader goes through once: a whole text, or a file's text decoded chunk by chunk. */
export type TextSource = string | AsyncIterable<string>;

/** The chunks of a source, the first ones gathered up to the end of its first line (at most 1 MiB): what `separatorOf` reads. */
async function headAndRest(source: TextSource): Promise<{ head: string; rest: AsyncIterable<string> }> {
  if (typeof source === 'string') return { head: source, rest: (async function* () {})() };
  const chunks = source[Symbol.asyncIterator]();
  let head = '';
  while (!/[\r\n]/.test(head) && head.length < 1024 * 1024) {
    const next = await chunks.next();
    if (next.done) break;
    head += next.value;
  }
  return { head, rest: { [Symbol.asyncIterator]: () => chunks } };
}

/**
 * The records of a CSV text, one at a time (the first is the header), read by `csv-parse` as a
 * stream, as the text arrives: quotes (`""` inside quotes, separators and newlines in quotes),
 * CRLF, LF or CR, a UTF-8 BOM, blank lines skipped. Each record carries the line it starts on. A
 * malformed file (an unclosed quote) throws csv-parse's `CsvError`, which names the line.
 */
export async function* csvRecords(source: TextSource): AsyncGenerator<{ line: number; cells: string[] }> {
  const { head, rest } = await headAndRest(source);
  const parser = Readable.from(
    (async function* () {
      yield head;
      yield* rest;
    })(),
  ).pipe(
    parse({
      bom: true,
      delimiter: separatorOf(head.replace(/^\uFEFF/, '')),
      record_delimiter: ['\r\n', '\n', '\r'],
      relax_column_count: true,
      skip_empty_lines: true,
      info: true,
    }),
  );
  let lastLine = 0;
  let lastEmpty = 0;
  for await (const { record, info } of parser as AsyncIterable<{
    record: string[];
    info: { lines: number; empty_lines: number };
  }>) {
    const line = lastLine + 1 + (info.empty_lines - lastEmpty);
    lastLine = info.lines;
    lastEmpty = info.empty_lines;
    if (record.length === 1 && record[0]!.trim() === '') continue;
    yield { line, cells: record };
  }
}

const text = (value: string | undefined) => {
  const v = (value ?? '').trim();
  return v === '' ? undefined : v;
};
const nullable = (value: string | undefined) => text(value) ?? null;

const CSV_KINDS: Record<string, RowKind> = {
  bail: 'lease',
  decision_cal: 'cal_decision',
  refus_offre: 'offer_declined',
  annulation_bail: 'lease_cancellation',
  correction_bail: 'lease_correction',
};

/** The kind a `type` cell names (empty: `bail`), or null. */
export function csvKindOf(type: string | undefined): RowKind | null {
  return CSV_KINDS[(text(type) ?? 'bail').toLowerCase()] ?? null;
}

/** The row kinds' names in the CSV `type` column. */
export const CSV_KIND_NAMES: Record<RowKind, RowKindName> = {
  lease: 'bail',
  cal_decision: 'decision_cal',
  offer_declined: 'refus_offre',
  lease_cancellation: 'annulation_bail',
  lease_correction: 'correction_bail',
};

/**
 * A cell a spreadsheet shows in error, as its CSV export writes it or as a workbook stores it: the
 * error codes of Excel and LibreOffice, in English and in French (`#N/A`, `#REF!`, `#DIV/0!`,
 * `#VALEUR!`, `#NOM?`…), and `#ERREUR`, what Vigie reads of a formula whose result the file does
 * not hold (import-workbook.ts).
 */
const SPREADSHEET_ERROR =
  /^#(N\/A|NA|REF!|DIV\/0!|VALUE!|VALEUR!|NAME\?|NOM\?|NUM!|NOMBRE!|NULL!|NUL!|CALC!|SPILL!|PROPAGATION!|FIELD!|CHAMP!|BLOCKED!|CONNECT!|BUSY!|UNKNOWN!|GETTING_DATA|ERREUR|ERR:\d+)$/i;

/** U+FFFD, the character a decoder puts in place of bytes it could not read. */
const UNREADABLE = '\uFFFD';
const UNREADABLE_MESSAGE =
  'caractère illisible « \uFFFD » dans la cellule : le fichier a été ouvert avec un mauvais jeu de caractères avant d’être enregistré (accents perdus). Rouvrez le fichier d’origine en choisissant Windows-1252 (ou UTF-8), ou exportez-le à nouveau depuis votre logiciel, puis renvoyez-le ; rien n’a été lu de cette cellule.';

const cellInErrorMessage = (raw: string) =>
  raw.toUpperCase() === '#ERREUR'
    ? 'cellule calculée par une formule sans résultat lisible dans le fichier (formule en erreur, ou jamais calculée) : corrigez la formule ou remplacez-la par sa valeur (copier, puis collage spécial « valeurs »), rien n’a été lu de cette cellule.'
    : `cellule en erreur dans le tableur (${raw}) : corrigez sa formule ou saisissez la valeur, rien n’a été lu de cette cellule.`;

/**
 * One CSV record read into the body the API takes. Each cell goes through its reader
 * (import-values.ts); a refused cell is one problem in its own column and its field is left out,
 * so the schema does not report it a second time.
 */
export function csvRow(
  line: number,
  record: readonly string[],
  columns: readonly string[],
  numbers?: ReadonlySet<number>,
): ParsedRow {
  const cells: Record<string, string> = {};
  const numericColumns = new Set<string>();
  columns.forEach((column, i) => {
    if (column) cells[column] = record[i] ?? '';
    if (column && numbers?.has(i)) numericColumns.add(column);
  });
  const problems: CellRejection[] = [];
  // A cell in error is refused in its own column, whatever the column reads: never taken for an
  // empty cell (no child, unknown resources, no category) nor for a value.
  const inError = new Set<string>();
  for (const [column, raw] of Object.entries(cells))
    if (SPREADSHEET_ERROR.test(raw.trim())) {
      inError.add(column);
      problems.push({ path: column, code: 'SPREADSHEET_DAMAGE', message: cellInErrorMessage(raw.trim()) });
    } else if (raw.includes(UNREADABLE)) {
      // Never data: a tool decoded the file with the wrong character set before it was saved again.
      inError.add(column);
      problems.push({ path: column, code: 'SPREADSHEET_DAMAGE', message: UNREADABLE_MESSAGE });
    }
  const get = (column: string) => (inError.has(column) ? undefined : cells[column]);
  const read = <T>(path: string, column: string, reader: (raw: string) => CellResult<T>): T | undefined => {
    const raw = get(column);
    if (raw === undefined) return undefined;
    const numeric = numericColumns.has(column) ? NUMERIC_CELLS[column] : undefined;
    const result = numeric ? (readNumericCell(numeric.kind, numeric.what, raw) as CellResult<T>) : reader(raw);
    if (result.ok) return result.value;
    problems.push({ path, code: result.code, message: result.message });
    return undefined;
  };
  /** A reference kept as text: only a workbook's number is refused (see NUMERIC_CELLS). */
  const reference = (path: string, column: string) => read(path, column, (raw) => ({ ok: true, value: text(raw) }));
  const flat = (prefix = '') => ({
    rplsId: read(`${prefix}flat.rplsId`, 'rpls', readRpls),
    communeInsee: read(`${prefix}flat.communeInsee`, 'code_insee', readInsee),
    epciSiren: read(`${prefix}flat.epciSiren`, 'siren_epci', readSiren),
    qpvCode: nullable(get('code_qpv')),
    typology: read(`${prefix}flat.typology`, 'typologie', readTypology),
    financing: read(`${prefix}flat.financing`, 'financement', readFinancing),
  });
  /** A lease's facts, each cell's problem at `prefix` + its field (a correction's lease is under `lease.`). */
  const lease = (prefix: string) => ({
    leaseId: reference(`${prefix}leaseId`, 'reference_bail'),
    caseId: reference(`${prefix}caseId`, 'reference_dossier'),
    bailleurId: text(get('bailleur')),
    leaseDate: read(`${prefix}leaseDate`, 'date_bail', readDate),
    flat: flat(prefix),
    household: {
      numeroUnique: read(`${prefix}household.numeroUnique`, 'menage', readMenage),
      numeroUniqueConfirme,
      composition: {
        personsAged14OrMore: read(`${prefix}household.composition.personsAged14OrMore`, 'personnes_14_ans_et_plus', readCount),
        childrenUnder14: read(`${prefix}household.composition.childrenUnder14`, 'enfants_moins_14_ans', readCount) ?? 0,
      },
      yearlyResources: read(`${prefix}household.yearlyResources`, 'revenus_annuels', readAmount) ?? null,
    },
    flags: {
      dalo: read(`${prefix}flags.dalo`, 'dalo', readBoolean),
      priorityCategory: read(`${prefix}flags.priorityCategory`, 'categorie_prioritaire', readPriorityCategory) ?? null,
      relogeRenouvellementUrbain: read(`${prefix}flags.relogeRenouvellementUrbain`, 'reloge_ru', readBoolean),
      relogeCoproDegradee: read(`${prefix}flags.relogeCoproDegradee`, 'reloge_copro', readBoolean),
      internalMutation: read(`${prefix}flags.internalMutation`, 'mutation_interne', readBoolean),
      interBailleurMobility: read(`${prefix}flags.interBailleurMobility`, 'mobilite_inter_bailleurs', readBoolean),
      publicAgent: read(`${prefix}flags.publicAgent`, 'agent_public', readBoolean),
    },
    reservataireId: nullable(get('reservataire')),
    gestionMode: read(`${prefix}gestionMode`, 'mode_gestion', readGestionMode),
  });
  const kind = csvKindOf(get('type'));
  const eventId = text(get('id_evenement'));
  // The bailleur confirms the row's numéro(s) unique(s), which a spreadsheet's damage may look like.
  const confirmPath =
    kind === 'lease'
      ? 'household.numeroUniqueConfirme'
      : kind === 'lease_correction'
        ? 'lease.household.numeroUniqueConfirme'
        : 'numeroUniqueConfirme';
  const numeroUniqueConfirme = read(confirmPath, 'numero_unique_confirme', readBoolean);
  const readMenage = (raw: string) => readNumeroUnique(raw, numeroUniqueConfirme === true);
  let body: Record<string, unknown>;
  switch (kind) {
    case 'cal_decision':
      body = {
        eventId,
        caseId: reference('caseId', 'reference_dossier'),
        bailleurId: text(get('bailleur')),
        calDate: read('calDate', 'date_cal', readDate),
        flat: flat(),
        candidates: candidates(get('candidats'), numeroUniqueConfirme),
        reservataireId: nullable(get('reservataire')),
      };
      break;
    case 'offer_declined':
      body = {
        eventId,
        caseId: reference('caseId', 'reference_dossier'),
        bailleurId: text(get('bailleur')),
        numeroUnique: read('numeroUnique', 'menage', readMenage),
        numeroUniqueConfirme,
        declinedOn: read('declinedOn', 'date_refus', readDate),
        reason: nullable(get('motif')),
      };
      break;
    case 'lease_cancellation':
      body = {
        eventId,
        leaseId: reference('leaseId', 'reference_bail'),
        caseId: reference('caseId', 'reference_dossier'),
        bailleurId: text(get('bailleur')),
        reason: text(get('motif')),
      };
      break;
    case 'lease_correction':
      body = {
        eventId,
        reason: text(get('motif')),
        lease: { ...lease('lease.'), confirmeDoublon: read('lease.confirmeDoublon', 'confirme_doublon', readBoolean) },
      };
      break;
    default:
      body = { eventId, ...lease(''), confirmeDoublon: read('confirmeDoublon', 'confirme_doublon', readBoolean) };
  }
  return { line, kind, body, columns: 'csv', problems, cells, ...(kind ? {} : { parseError: 'type' }) };
}

/**
 * The columns whose workbook cell stored as a number is not read as its digits (readNumericCell):
 * identifiers typed as text, dates, amounts. Other columns (counts, yes/no) read a number's digits.
 */
const NUMERIC_CELLS: Readonly<Record<string, { kind: 'identifier' | 'date' | 'amount'; what: string }>> = {
  menage: { kind: 'identifier', what: 'numéro unique' },
  rpls: { kind: 'identifier', what: 'identifiant RPLS' },
  code_insee: { kind: 'identifier', what: 'code INSEE' },
  siren_epci: { kind: 'identifier', what: 'SIREN' },
  reference_bail: { kind: 'identifier', what: 'référence du bail' },
  reference_dossier: { kind: 'identifier', what: 'référence du dossier' },
  date_bail: { kind: 'date', what: 'date du bail' },
  date_cal: { kind: 'date', what: 'date de la CAL' },
  date_refus: { kind: 'date', what: 'date du refus' },
  revenus_annuels: { kind: 'amount', what: 'montant' },
};

function candidates(value: string | undefined, numeroUniqueConfirme: boolean | undefined): unknown {
  const v = text(value);
  if (!v) return undefined;
  return v.split('|').map((part) => {
    const [rank, household, decision] = part.split(':').map((x) => x.trim());
    return { rank: /^\d+$/.test(rank ?? '') ? Number(rank) : rank, numeroUnique: household, numeroUniqueConfirme, decision };
  });
}

/**
 * The header of a file (CSV text or a workbook's sheet) and the row kinds it holds, read through
 * the whole file once before anything is written (a malformed CSV record throws csv-parse's
 * `CsvError`): what `matchColumns` checks, and the number of rows for progress.
 */
export async function surveyRecords(
  records: AsyncIterable<{ cells: string[] }> | Iterable<{ cells: string[] }>,
): Promise<{ header: string[]; kinds: Set<RowKindName>; rows: number }> {
  let header: string[] | undefined;
  let typeIndex = -1;
  const kinds = new Set<RowKindName>();
  let rows = 0;
  for await (const { cells } of records) {
    if (!header) {
      header = cells;
      typeIndex = cells.findIndex((cell) => columnOf(cell) === 'type');
      continue;
    }
    rows += 1;
    const kind = csvKindOf(typeIndex === -1 ? undefined : cells[typeIndex]);
    if (kind) kinds.add(CSV_KIND_NAMES[kind]);
  }
  return { header: header ?? [], kinds, rows };
}

/** `surveyRecords` of a CSV text. */
export const surveyCsv = (source: TextSource) => surveyRecords(csvRecords(source));

/** A record of a CSV file or a workbook's sheet; `numbers`: the cells a workbook stores as numbers (SheetRecord). */
type SourceRecord = { line: number; cells: string[]; numbers?: ReadonlySet<number> };

/** The rows of a file (CSV records or a sheet's), one at a time, its header already checked by `matchColumns`. */
export async function* rowsOf(records: AsyncIterable<SourceRecord> | Iterable<SourceRecord>): AsyncGenerator<ParsedRow> {
  let columns: string[] | undefined;
  for await (const { line, cells, numbers } of records) {
    if (!columns) {
      columns = cells.map((cell) => columnOf(cell) ?? '');
      continue;
    }
    yield csvRow(line, cells, columns, numbers);
  }
}

/** The rows of a CSV text. */
export const csvRows = (source: TextSource) => rowsOf(csvRecords(source));

const NDJSON_KINDS = new Set<RowKind>(['lease', 'cal_decision', 'offer_declined', 'lease_cancellation', 'lease_correction']);

/** The lines of a text, one at a time, numbered from 1, without splitting the whole text at once. */
function* textLines(text: string): Generator<[number, string]> {
  let start = 0;
  for (let number = 1; start <= text.length; number += 1) {
    const end = text.indexOf('\n', start);
    yield [number, text.slice(start, end === -1 ? text.length : end)];
    if (end === -1) return;
    start = end + 1;
  }
}

/** The lines of a source, numbered from 1: a text's, or a file's as its chunks arrive (a line cut between two chunks is joined). */
async function* lines(source: TextSource): AsyncGenerator<[number, string]> {
  if (typeof source === 'string') {
    yield* textLines(source);
    return;
  }
  let number = 0;
  let pending = '';
  for await (const chunk of source) {
    pending += chunk;
    let start = 0;
    for (let end = pending.indexOf('\n'); end !== -1; end = pending.indexOf('\n', start)) {
      yield [++number, pending.slice(start, end)];
      start = end + 1;
    }
    pending = pending.slice(start);
  }
  yield [++number, pending];
}

/** The rows of an NDJSON file, one at a time (blank lines skipped). */
export async function* ndjsonRows(source: TextSource): AsyncGenerator<ParsedRow> {
  for await (const [line, raw] of lines(source)) {
    const lineText = raw.trim();
    if (!lineText) continue;
    let value: unknown;
    try {
      value = JSON.parse(lineText);
    } catch {
      yield { line, kind: null, body: {}, columns: 'ndjson', parseError: 'json' };
      continue;
    }
    // A line must be an object: spreading a string or an array would turn its characters into keys.
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      yield { line, kind: null, body: {}, columns: 'ndjson', parseError: 'json' };
      continue;
    }
    const { type, ...body } = value as Record<string, unknown>;
    const kind = NDJSON_KINDS.has(type as RowKind) ? (type as RowKind) : null;
    const problems = kind === 'lease' || kind === 'lease_correction' ? priorityCategoryOf(body, kind) : [];
    yield { line, kind, body, columns: 'ndjson', problems, ...(kind ? {} : { parseError: 'type' }) };
  }
}

/**
 * An NDJSON lease's priority category read against the closed list of art. L. 441-1 CCH, as a CSV
 * cell is: a letter (`c`) or a label becomes the label the event records; free text is refused
 * with the letters allowed. A word saying none (`non`) is left to the API's schema, which asks for
 * null, as POST /v1/leases does.
 */
function priorityCategoryOf(body: Record<string, unknown>, kind: RowKind): CellRejection[] {
  const prefix = kind === 'lease_correction' ? 'lease.' : '';
  const lease = (kind === 'lease_correction' ? body.lease : body) as Record<string, unknown> | undefined;
  const flags = lease?.flags as Record<string, unknown> | undefined;
  const category = flags?.priorityCategory;
  if (typeof category !== 'string') return [];
  const read = readPriorityCategory(category);
  // Refused: the value stays in the body, for the report to show it (the schema's check of that field is then not reported).
  if (!read.ok) return [{ path: `${prefix}flags.priorityCategory`, code: read.code, message: read.message }];
  if (read.value !== null) flags!.priorityCategory = read.value;
  return [];
}

/** How many rows `ndjsonRows` will give, for progress and ETA, without building them. */
export async function countNdjsonRows(source: TextSource): Promise<number> {
  let count = 0;
  for await (const [, raw] of lines(source)) if (raw.trim()) count += 1;
  return count;
}

/** API field path → CSV column, for the report. */
const COLUMN_OF: Record<string, string> = {
  eventId: 'id_evenement',
  leaseId: 'reference_bail',
  caseId: 'reference_dossier',
  bailleurId: 'bailleur',
  leaseDate: 'date_bail',
  calDate: 'date_cal',
  declinedOn: 'date_refus',
  reason: 'motif',
  'flat.rplsId': 'rpls',
  'flat.communeInsee': 'code_insee',
  'flat.epciSiren': 'siren_epci',
  'flat.qpvCode': 'code_qpv',
  'flat.typology': 'typologie',
  'flat.financing': 'financement',
  'household.numeroUnique': 'menage',
  numeroUnique: 'menage',
  'household.numeroUniqueConfirme': 'numero_unique_confirme',
  numeroUniqueConfirme: 'numero_unique_confirme',
  'household.composition.personsAged14OrMore': 'personnes_14_ans_et_plus',
  'household.composition.childrenUnder14': 'enfants_moins_14_ans',
  'household.yearlyResources': 'revenus_annuels',
  'flags.dalo': 'dalo',
  'flags.priorityCategory': 'categorie_prioritaire',
  'flags.relogeRenouvellementUrbain': 'reloge_ru',
  'flags.relogeCoproDegradee': 'reloge_copro',
  'flags.internalMutation': 'mutation_interne',
  'flags.interBailleurMobility': 'mobilite_inter_bailleurs',
  'flags.publicAgent': 'agent_public',
  reservataireId: 'reservataire',
  gestionMode: 'mode_gestion',
  confirmeDoublon: 'confirme_doublon',
  candidates: 'candidats',
};

export function fieldName(path: string, columns: 'csv' | 'ndjson'): string {
  if (columns === 'ndjson') return path;
  // A correction's lease is the same columns as a lease's.
  if (path.startsWith('lease.')) return fieldName(path.slice('lease.'.length), columns);
  if (path.startsWith('candidates')) return 'candidats';
  return COLUMN_OF[path] ?? path;
}
