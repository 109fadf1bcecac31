import { closest, distance } from 'fastest-levenshtein';

/**
 * The columns of the CSV import, as a bailleur's export names them. A header is matched without
 * regard to case, accents, surrounding spaces, and spaces or hyphens inside (`Réservataire`,
 * ` Date bail ` and `date-bail` are `reservataire` and `date_bail`), and through the aliases below.
 * An unknown, repeated or missing column refuses the whole file before anything is written: a
 * column Vigie does not read would silently lose its values (incomes read as unknown,
 * réservataires as non réservé).
 */
export type RowKindName = 'bail' | 'decision_cal' | 'refus_offre' | 'annulation_bail' | 'correction_bail';

export interface ImportColumn {
  readonly name: string;
  /** The row kinds whose header must have it (an empty cell may still mean "none"). */
  readonly requiredFor: readonly RowKindName[];
  /** French description, for the README, OpenAPI and the template's explanation sheet. */
  readonly description: string;
  /** Other spellings accepted for this column (compared once normalised). */
  readonly aliases?: readonly string[];
}

const ALL: readonly RowKindName[] = ['bail', 'decision_cal', 'refus_offre', 'annulation_bail', 'correction_bail'];
/** A lease's facts: a `bail` row gives them, a `correction_bail` row gives all of them again (its new version). */
const LEASE: readonly RowKindName[] = ['bail', 'correction_bail'];
const FLAT: readonly RowKindName[] = ['bail', 'decision_cal', 'correction_bail'];

export const IMPORT_COLUMNS: readonly ImportColumn[] = [
  {
    name: 'type',
    requiredFor: [],
    description:
      'bail (par défaut), decision_cal, refus_offre, annulation_bail (annule le bail reference_bail du dossier : il cesse de compter) ou correction_bail (remplace le bail reference_bail par la version que donne la ligne, toutes colonnes du bail remplies).',
  },
  {
    name: 'id_evenement',
    requiredFor: [],
    description: 'UUID facultatif ; sinon Vigie le dérive du contenu (un fichier renvoyé n’enregistre rien deux fois).',
  },
  {
    name: 'reference_bail',
    requiredFor: ['bail', 'annulation_bail', 'correction_bail'],
    description: 'Référence du bail chez le bailleur (pour annulation_bail et correction_bail : le bail annulé ou corrigé).',
  },
  {
    name: 'reference_dossier',
    requiredFor: ALL,
    description: 'Référence du dossier (logement vacant) chez le bailleur.',
    aliases: ['dossier'],
  },
  { name: 'bailleur', requiredFor: ALL, description: 'Identifiant du bailleur dans Vigie (ex. lmh).' },
  { name: 'date_bail', requiredFor: LEASE, description: 'Date de signature du bail : AAAA-MM-JJ ou JJ/MM/AAAA.' },
  { name: 'date_cal', requiredFor: ['decision_cal'], description: 'Date de la CAL : AAAA-MM-JJ ou JJ/MM/AAAA.' },
  { name: 'date_refus', requiredFor: ['refus_offre'], description: 'Date du refus : AAAA-MM-JJ ou JJ/MM/AAAA.' },
  {
    name: 'rpls',
    requiredFor: FLAT,
    description: 'Identifiant RPLS du logement (lettres et chiffres, zéros initiaux conservés).',
    aliases: ['id_rpls', 'identifiant_rpls', 'numero_rpls'],
  },
  {
    name: 'code_insee',
    requiredFor: FLAT,
    description: 'Code INSEE de la commune (5 caractères, 2A/2B en Corse, arrondissement à Paris, Lyon, Marseille).',
    aliases: ['commune', 'code_commune', 'insee'],
  },
  {
    name: 'siren_epci',
    requiredFor: FLAT,
    description: 'SIREN de l’EPCI (9 chiffres, clé de Luhn vérifiée).',
    aliases: ['epci'],
  },
  { name: 'code_qpv', requiredFor: [], description: 'Code du QPV ; vide ou absente : hors QPV.', aliases: ['qpv'] },
  { name: 'typologie', requiredFor: FLAT, description: 'T1, T2, T3, T4, T5 ou T6+.' },
  { name: 'financement', requiredFor: FLAT, description: 'PLAI, PLUS, PLS, PLI ou autre.' },
  {
    name: 'menage',
    requiredFor: ['bail', 'refus_offre', 'correction_bail'],
    description:
      'Numéro unique d’enregistrement de la demande (SNE, 18 caractères) ; pseudonymisé dès l’entrée, jamais conservé.',
    aliases: ['numero_unique', 'nud', 'nur'],
  },
  {
    name: 'numero_unique_confirme',
    requiredFor: [],
    description:
      'oui : le bailleur confirme le numéro unique de la ligne (menage, ou ceux de candidats) qui ressemble à un numéro abîmé par un tableur mais est exact (18 chiffres d’un département 971 à 976 finissant par 000, un sur mille) ; vide : non.',
  },
  {
    name: 'personnes_14_ans_et_plus',
    requiredFor: LEASE,
    description: 'Nombre de personnes de 14 ans ou plus (au moins 1).',
  },
  { name: 'enfants_moins_14_ans', requiredFor: [], description: 'Nombre d’enfants de moins de 14 ans (vide ou absente : 0).' },
  {
    name: 'revenus_annuels',
    requiredFor: LEASE,
    description: 'Ressources annuelles du ménage en euros (virgule décimale, espaces de milliers acceptés) ; vide : inconnues.',
    aliases: ['ressources_annuelles'],
  },
  { name: 'dalo', requiredFor: [], description: 'Ménage reconnu DALO : oui/non (vide ou absente : non).' },
  {
    name: 'categorie_prioritaire',
    requiredFor: [],
    description:
      'Catégorie prioritaire de l’article L. 441-1 du CCH (lettre ou libellé) ; vide, absente, non, aucune ou - : aucune.',
  },
  { name: 'reloge_ru', requiredFor: [], description: 'Relogé au titre du renouvellement urbain : oui/non (vide : non).' },
  { name: 'reloge_copro', requiredFor: [], description: 'Relogé d’une copropriété dégradée : oui/non (vide : non).' },
  { name: 'mutation_interne', requiredFor: [], description: 'Mutation interne : oui/non (vide : non).' },
  {
    name: 'mobilite_inter_bailleurs',
    requiredFor: [],
    description: 'Mobilité inter-bailleurs : oui/non (vide : non).',
  },
  { name: 'agent_public', requiredFor: [], description: 'Agent public : oui/non (vide : non).' },
  {
    name: 'confirme_doublon',
    requiredFor: [],
    description:
      'oui : le bailleur confirme que ce bail est distinct d’un bail déjà enregistré pour le même ménage, le même logement et la même date (sinon refusé comme doublon probable) ; vide : non.',
  },
  {
    name: 'reservataire',
    requiredFor: FLAT,
    description: 'Identifiant du réservataire dans Vigie ; vide : non réservé.',
  },
  { name: 'mode_gestion', requiredFor: LEASE, description: 'directe ou deleguee.', aliases: ['gestion'] },
  {
    name: 'candidats',
    requiredFor: ['decision_cal'],
    description: 'Candidats de la CAL : rang:menage:decision séparés par | (attribution, attribution_sous_condition, …).',
  },
  {
    name: 'motif',
    requiredFor: ['annulation_bail', 'correction_bail'],
    description: 'Motif du refus (facultatif), de l’annulation ou de la correction (obligatoire) ; texte libre.',
  },
];

/**
 * A header as compared: no surrounding spaces, lower case, accents removed, runs of spaces,
 * hyphens, apostrophes and dots turned into one `_`.
 */
export function normaliseHeader(header: string): string {
  return header
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .trim()
    .toLowerCase()
    .replace(/[\s\-'’.]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

const BY_SPELLING = new Map<string, string>(
  IMPORT_COLUMNS.flatMap((column) => [
    [column.name, column.name] as const,
    ...(column.aliases ?? []).map((alias) => [normaliseHeader(alias), column.name] as const),
  ]),
);
const NAMES = IMPORT_COLUMNS.map((column) => column.name);

/**
 * A header cell as a report echoes it: cut to 40 characters (then `…`), every control, format or
 * unassigned character (NUL of a misread UTF-16 file, a tab, a zero-width space) and a leading
 * `=`, `+`, `-` or `@` (a formula to a spreadsheet opening the CSV report) replaced by `?`. Unlike
 * `displayKey` (http/validation.ts) for JSON keys, letters, digits and spaces are kept: they are
 * how the user finds the column in the file (runs of digits that look like a numéro unique are
 * masked where the report is written).
 */
export function displayHeader(header: string): string {
  const characters = [...header.trim()];
  const shown = characters
    .slice(0, 40)
    .map((char, i) => (/[\p{Cc}\p{Cf}\p{Cn}\p{Co}\p{Zl}\p{Zp}]/u.test(char) || (i === 0 && /[=+\-@]/.test(char)) ? '?' : char))
    .join('');
  return characters.length > 40 ? `${shown}…` : shown;
}

export interface ColumnProblem {
  /** The column as the file spells it, cleaned by `displayHeader` (or the missing column's name). */
  readonly column: string;
  readonly code: 'COLUMN_UNKNOWN' | 'COLUMN_DUPLICATED' | 'COLUMN_MISSING';
  readonly message: string;
}

/** The column a header names, or undefined. */
export function columnOf(header: string): string | undefined {
  return BY_SPELLING.get(normaliseHeader(header));
}

/**
 * The canonical name of each header cell, or the problems that refuse the file: an unknown column
 * (with the closest known name when one is near), a column given twice, a column the file's row
 * kinds need that is absent. `kinds` are the row kinds the file holds.
 */
export function matchColumns(
  header: readonly string[],
  kinds: ReadonlySet<RowKindName>,
): { ok: true; columns: string[] } | { ok: false; problems: ColumnProblem[] } {
  const problems: ColumnProblem[] = [];
  const columns: string[] = [];
  const seen = new Set<string>();
  for (const cell of header) {
    const name = columnOf(cell);
    if (name === undefined) {
      if (cell.trim() === '') {
        columns.push('');
        continue;
      }
      const normalised = normaliseHeader(cell);
      const near = closest(normalised, NAMES);
      const hint =
        distance(normalised, near) <= Math.max(2, Math.floor(near.length / 4)) ? ` : vouliez-vous dire « ${near} » ?` : '';
      problems.push({
        column: displayHeader(cell),
        code: 'COLUMN_UNKNOWN',
        message: `colonne inconnue « ${displayHeader(cell)} »${hint || ' (voir les colonnes du modèle : GET /v1/imports/modele)'}`,
      });
      columns.push('');
      continue;
    }
    if (seen.has(name)) {
      problems.push({
        column: displayHeader(cell),
        code: 'COLUMN_DUPLICATED',
        message: `colonne « ${name} » présente deux fois`,
      });
    }
    seen.add(name);
    columns.push(name);
  }
  for (const column of IMPORT_COLUMNS) {
    const neededBy = column.requiredFor.filter((kind) => kinds.has(kind));
    if (neededBy.length && !seen.has(column.name)) {
      problems.push({
        column: column.name,
        code: 'COLUMN_MISSING',
        message: `colonne manquante « ${column.name} » (nécessaire aux lignes ${neededBy.join(', ')}) : ajoutez-la, vide si la valeur est inconnue`,
      });
    }
  }
  return problems.length ? { ok: false, problems } : { ok: true, columns };
}
