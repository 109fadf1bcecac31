/**
 * The two import formats.
 *
 * CSV — the bailleur's export: `;` (or `,`) separated, UTF-8 (BOM accepted), French headers,
 * one fact per line; the `type` column says which (`bail` when absent):
 * - `bail`: id_evenement, reference_bail, reference_dossier, bailleur, date_bail, rpls, code_insee,
 *   siren_epci, code_qpv (empty: hors QPV), typologie, financement, menage, personnes_14_ans_et_plus,
 *   enfants_moins_14_ans, revenus_annuels (empty: inconnus; decimal comma accepted), dalo,
 *   categorie_prioritaire, reloge_ru, reloge_copro, mutation_interne, mobilite_inter_bailleurs,
 *   agent_public (oui / non), reservataire (empty: non réservé), mode_gestion (directe / deleguee);
 * - `decision_cal`: id_evenement, reference_dossier, bailleur, date_cal, rpls, code_insee, siren_epci,
 *   code_qpv, typologie, financement, reservataire, candidats (`rang:menage:decision|…`, decision one of
 *   attribution, attribution_sous_condition, non_attribution, irrecevable);
 * - `refus_offre`: id_evenement, reference_dossier, bailleur, menage, date_refus, motif.
 *
 * NDJSON — one JSON object per line, the body of the matching endpoint plus a `type`:
 * `lease` (POST /v1/leases), `cal_decision` (POST /v1/cal-decisions), `offer_declined`
 * (POST /v1/cal-decisions/{caseId}/offer-declined, with `caseId`).
 */
export type RowKind = 'lease' | 'cal_decision' | 'offer_declined';

export interface ParsedRow {
  /** Line number in the file (1-based, header included for CSV). */
  readonly line: number;
  readonly kind: RowKind | null;
  /** The body, shaped as the API takes it (values not understood are left as text for the schema to reject). */
  readonly body: Record<string, unknown>;
  /** Where each API field came from, for the report (CSV column names). */
  readonly columns: 'csv' | 'ndjson';
  readonly parseError?: string;
}

/**
 * Splits CSV text into records, one at a time (the first is the header), honouring quotes (""
 * inside quotes, separators and newlines in quotes): a large file is never turned into one array
 * of rows.
 */
export function* csvRecords(text: string): Generator<{ line: number; cells: string[] }> {
  const content = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const firstLine = content.slice(0, content.indexOf('\n') === -1 ? content.length : content.indexOf('\n'));
  const separator = firstLine.split(';').length >= firstLine.split(',').length ? ';' : ',';
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let recordLine = 1;
  for (let i = 0; i < content.length; i += 1) {
    const char = content[i]!;
    if (quoted) {
      if (char === '"') {
        if (content[i + 1] === '"') {
          cell += '"';
          i += 1;
        } else quoted = false;
      } else {
        if (char === '\n') line += 1;
        cell += char;
      }
    } else if (char === '"') quoted = true;
    else if (char === separator) {
      cells.push(cell);
      cell = '';
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && content[i + 1] === '\n') i += 1;
      cells.push(cell);
      if (cells.length > 1 || cells[0] !== '') yield { line: recordLine, cells };
      cells = [];
      cell = '';
      line += 1;
      recordLine = line;
    } else cell += char;
  }
  if (cell !== '' || cells.length) {
    cells.push(cell);
    yield { line: recordLine, cells };
  }
}

const YES = new Set(['oui', 'o', '1', 'true', 'vrai', 'x']);
const NO = new Set(['non', 'n', '0', 'false', 'faux', '']);

function bool(value: string | undefined): unknown {
  const v = (value ?? '').trim().toLowerCase();
  if (YES.has(v)) return true;
  if (NO.has(v)) return false;
  return value;
}

function number(value: string | undefined): unknown {
  const v = (value ?? '').trim().replace(/\s/g, '').replace(',', '.');
  if (v === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : value;
}

const text = (value: string | undefined) => {
  const v = (value ?? '').trim();
  return v === '' ? undefined : v;
};
const nullable = (value: string | undefined) => text(value) ?? null;

/**
 * A priority category as spreadsheets write it: empty, or a word saying "none" (`non`, `aucune`,
 * `0`…), is no category; anything else is the category's name. A "non" must never count a
 * household as priority.
 */
const category = (value: string | undefined) => {
  const v = text(value);
  return v === undefined || NO_CATEGORY.has(v.toLowerCase()) ? null : v;
};
const NO_CATEGORY = new Set([...NO, 'aucune', 'aucun', 'sans', 'nc', 'n/a', '-']);

function flat(get: (column: string) => string | undefined) {
  return {
    rplsId: text(get('rpls')),
    communeInsee: text(get('code_insee')),
    epciSiren: text(get('siren_epci')),
    qpvCode: nullable(get('code_qpv')),
    typology: text(get('typologie')),
    financing: text(get('financement')),
  };
}

function candidates(value: string | undefined): unknown {
  const v = text(value);
  if (!v) return undefined;
  return v.split('|').map((part) => {
    const [rank, household, decision] = part.split(':').map((x) => x.trim());
    return { rank: number(rank), numeroUnique: household, decision };
  });
}

const CSV_KINDS: Record<string, RowKind> = { bail: 'lease', decision_cal: 'cal_decision', refus_offre: 'offer_declined' };

/** The rows of a CSV file, one at a time. */
export function* csvRows(textContent: string): Generator<ParsedRow> {
  const records = csvRecords(textContent);
  const first = records.next();
  const header = first.done ? [] : first.value.cells.map((name) => name.trim().toLowerCase());
  const index = new Map(header.map((name, i) => [name, i]));
  for (const { line, cells } of records) {
    const get = (column: string) => {
      const i = index.get(column);
      return i === undefined ? undefined : cells[i];
    };
    const kind = CSV_KINDS[(text(get('type')) ?? 'bail').toLowerCase()] ?? null;
    const eventId = text(get('id_evenement'));
    let body: Record<string, unknown>;
    switch (kind) {
      case 'cal_decision':
        body = {
          eventId,
          caseId: text(get('reference_dossier')),
          bailleurId: text(get('bailleur')),
          calDate: text(get('date_cal')),
          flat: flat(get),
          candidates: candidates(get('candidats')),
          reservataireId: nullable(get('reservataire')),
        };
        break;
      case 'offer_declined':
        body = {
          eventId,
          caseId: text(get('reference_dossier')),
          bailleurId: text(get('bailleur')),
          numeroUnique: text(get('menage')),
          declinedOn: text(get('date_refus')),
          reason: nullable(get('motif')),
        };
        break;
      default:
        body = {
          eventId,
          leaseId: text(get('reference_bail')),
          caseId: text(get('reference_dossier')),
          bailleurId: text(get('bailleur')),
          leaseDate: text(get('date_bail')),
          flat: flat(get),
          household: {
            numeroUnique: text(get('menage')),
            composition: {
              personsAged14OrMore: number(get('personnes_14_ans_et_plus')),
              childrenUnder14: number(get('enfants_moins_14_ans')) ?? 0,
            },
            yearlyResources: number(get('revenus_annuels')) ?? null,
          },
          flags: {
            dalo: bool(get('dalo')),
            priorityCategory: category(get('categorie_prioritaire')),
            relogeRenouvellementUrbain: bool(get('reloge_ru')),
            relogeCoproDegradee: bool(get('reloge_copro')),
            internalMutation: bool(get('mutation_interne')),
            interBailleurMobility: bool(get('mobilite_inter_bailleurs')),
            publicAgent: bool(get('agent_public')),
          },
          reservataireId: nullable(get('reservataire')),
          gestionMode: text(get('mode_gestion')),
          confirmeDoublon: bool(get('confirme_doublon')),
        };
    }
    yield { line, kind, body, columns: 'csv' as const, ...(kind ? {} : { parseError: 'type' }) };
  }
}

const NDJSON_KINDS = new Set<RowKind>(['lease', 'cal_decision', 'offer_declined']);

/** The lines of a text, one at a time, numbered from 1, without splitting the whole text at once. */
function* lines(text: string): Generator<[number, string]> {
  let start = 0;
  for (let number = 1; start <= text.length; number += 1) {
    const end = text.indexOf('\n', start);
    yield [number, text.slice(start, end === -1 ? text.length : end)];
    if (end === -1) return;
    start = end + 1;
  }
}

/** The rows of an NDJSON file, one at a time (blank lines skipped). */
export function* ndjsonRows(textContent: string): Generator<ParsedRow> {
  for (const [line, raw] of lines(textContent)) {
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
    yield { line, kind, body, columns: 'ndjson', ...(kind ? {} : { parseError: 'type' }) };
  }
}

/** How many rows `csvRows` / `ndjsonRows` will give, for progress and ETA, without building them. */
export function countRows(format: 'csv' | 'ndjson', textContent: string): number {
  let count = 0;
  if (format === 'csv') {
    for (const _record of csvRecords(textContent)) count += 1;
    return Math.max(0, count - 1);
  }
  for (const [, raw] of lines(textContent)) if (raw.trim()) count += 1;
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
  candidates: 'candidats',
};

export function fieldName(path: string, columns: 'csv' | 'ndjson'): string {
  if (columns === 'ndjson') return path;
  if (path.startsWith('candidates')) return 'candidats';
  return COLUMN_OF[path] ?? path;
}
