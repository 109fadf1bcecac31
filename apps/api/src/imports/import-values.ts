import { FINANCINGS, GESTION_MODES, sirenCheckDigitValid, TYPOLOGIES } from '@vigie/domain';
import { numeroUniqueDamage, SCIENTIFIC_NOTATION } from '../http/identifiers.js';

/**
 * Cells of an import file as spreadsheets write them, read into the values the API takes. Each
 * reader gives the value, or one problem (code and French message) for the cell: a bad value is
 * reported once, in its own column, and never turned into a second, false message elsewhere.
 */
export type CellResult<T> = { readonly ok: true; readonly value: T } | CellProblem;
export interface CellProblem {
  readonly ok: false;
  readonly code: 'INVALID_VALUE' | 'SPREADSHEET_DAMAGE' | 'AMBIGUOUS_AMOUNT';
  readonly message: string;
}

const ok = <T>(value: T): CellResult<T> => ({ ok: true, value });
const invalid = (message: string): CellProblem => ({ ok: false, code: 'INVALID_VALUE', message });
const damaged = (message: string): CellProblem => ({ ok: false, code: 'SPREADSHEET_DAMAGE', message });

/** Accents and case removed, for comparing a cell with a vocabulary. */
export function fold(value: string): string {
  // Most cells are plain ASCII (oui, non, PLUS, T3), which has no accent to remove: each row has a dozen of them.
  if (!NON_ASCII.test(value)) return value.trim().toLowerCase();
  return value.normalize('NFD').replace(/\p{M}/gu, '').trim().toLowerCase();
}
const NON_ASCII = /[^\u0000-\u007f]/;

const listed = (values: readonly string[]) => values.join(', ');

/**
 * A date, `AAAA-MM-JJ` or `JJ/MM/AAAA` (as French Excel writes it), into `AAAA-MM-JJ`; an empty
 * cell is undefined. A day that does not exist (30/02/2026) is refused here, once.
 */
export function readDate(raw: string): CellResult<string | undefined> {
  // A file holds few distinct days (a year's at most) in many rows: each is read once.
  let read = DATES_READ.get(raw);
  if (read === undefined) {
    read = readDateOnce(raw);
    if (DATES_READ.size >= MAX_DATES_READ) DATES_READ.clear();
    DATES_READ.set(raw, read);
  }
  return read;
}
/** Cells already read by `readDate`: its results are immutable, and a cell's result depends on the cell alone. */
const DATES_READ = new Map<string, CellResult<string | undefined>>();
const MAX_DATES_READ = 4_096;

function readDateOnce(raw: string): CellResult<string | undefined> {
  const value = raw.trim();
  if (value === '') return ok(undefined);
  const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const french = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(value);
  const [year, month, day] = iso ? [iso[1]!, iso[2]!, iso[3]!] : french ? [french[3]!, french[2]!, french[1]!] : [];
  if (!year || !month || !day) return invalid(`date « ${value} » : attendue au format AAAA-MM-JJ ou JJ/MM/AAAA.`);
  const text = `${year}-${month.padStart(2, '0')}-${day.padStart(2, '0')}`;
  const date = new Date(`${text}T00:00:00Z`);
  if (Number.isNaN(date.getTime()) || !date.toISOString().startsWith(text)) {
    return invalid(`date « ${value} » : ce jour n’existe pas.`);
  }
  return ok(text);
}

/**
 * An amount in euros: a decimal comma (or point), any space as thousands separator (ordinary,
 * non-breaking U+00A0, narrow non-breaking U+202F, thin U+2009) between groups of three digits
 * (other spaces: AMBIGUOUS_AMOUNT); an empty cell is null (unknown).
 * A point followed by groups of exactly three digits (`12.500`, `1.234.567`, `1.234,56`) is
 * refused (AMBIGUOUS_AMOUNT): in a French file it is most often a thousands separator, which read
 * as a decimal point would turn 12 500 € into 12,50 € and the household into a first quartile one.
 */
export function readAmount(raw: string): CellResult<number | null> {
  const trimmed = raw.trim();
  const value = trimmed.replace(/[\s\u00a0\u202f\u2009]/g, '');
  if (value === '') return ok(null);
  // Spaces group the units by three (`12 500`, `1 234 567,50`): elsewhere (`12 5`, `9800 12,5`)
  // they join digits that may be two amounts or a mistyped one, never silently read as one.
  if (
    value !== trimmed &&
    /^[\d\s\u00a0\u202f\u2009]+(?:[.,][\d]+)?$/.test(trimmed) &&
    !/^\d{1,3}(?:[\s\u00a0\u202f\u2009]\d{3})+(?:[.,]\d+)?$/.test(trimmed)
  )
    return {
      ok: false,
      code: 'AMBIGUOUS_AMOUNT',
      message: `montant « ${trimmed} » : espaces ailleurs qu’entre des groupes de trois chiffres : écrivez le montant sans espace, ou avec une espace tous les trois chiffres (ex. 12 500,50).`,
    };
  if (/^\d{1,3}(?:\.\d{3})+(?:,\d+)?$/.test(value)) {
    const plain = value.replace(/\./g, '');
    const [units, cents] = plain.split(',');
    return {
      ok: false,
      code: 'AMBIGUOUS_AMOUNT',
      message: `montant « ${raw.trim()} » : séparateur de milliers ambigu (le point peut être lu comme une virgule décimale) : écrivez ${units}${cents === undefined ? ` ou ${units},00` : `,${cents}`}, sans point.`,
    };
  }
  if (/^-\d+(?:[.,]\d+)?$/.test(value))
    return invalid(
      `montant « ${raw.trim()} » : négatif ; des revenus annuels sont un montant positif ou nul (vide si inconnus).`,
    );
  if (!/^\d+(?:[.,]\d+)?$/.test(value)) {
    return invalid(`montant « ${raw.trim()} » : nombre d’euros attendu (ex. 18 500,50), sans symbole ni lettre.`);
  }
  return ok(Number(value.replace(',', '.')));
}

/** A count of persons: a whole number; an empty cell is undefined. */
export function readCount(raw: string): CellResult<number | undefined> {
  const value = raw.trim();
  if (value === '') return ok(undefined);
  if (!/^\d+$/.test(value)) return invalid(`nombre « ${value} » : nombre entier attendu (ex. 2).`);
  return ok(Number(value));
}

/** The words read as yes and no, in any case (an empty cell is no). */
export const YES_WORDS = ['oui', '1', 'x', 'vrai'] as const;
export const NO_WORDS = ['non', '0', 'faux'] as const;
const YES = new Set<string>([...YES_WORDS, 'o', 'true', 'yes']);
const NO = new Set<string>([...NO_WORDS, 'n', 'false', 'no', '']);

/** A yes/no cell: oui/non, 1/0, x (ticked)/empty, vrai/faux. */
export function readBoolean(raw: string): CellResult<boolean> {
  const value = fold(raw);
  if (YES.has(value)) return ok(true);
  if (NO.has(value)) return ok(false);
  return invalid(
    `valeur « ${raw.trim()} » : oui ou non attendu (valeurs admises : ${listed([...YES_WORDS, ...NO_WORDS])}, vide = non).`,
  );
}

/** Words that say "none" in a coded column. */
export const NONE_WORDS = ['non', 'aucune', 'aucun', '-', 'sans', '0', 'nc', 'n/a'] as const;
const NONE = new Set<string>(NONE_WORDS);

/** Whether a cell says "none" (empty, or one of NONE_WORDS). */
export function meansNone(raw: string): boolean {
  const value = fold(raw);
  return value === '' || NONE.has(value);
}

/**
 * The reader of a closed vocabulary (`what`: its French name): a cell is matched without regard to case and accents (`plus` is `PLUS`,
 * `déléguée` is `deleguee`); an empty cell is undefined; anything else is refused with the list.
 * The vocabulary is folded once, not at every cell (a first value folding like a later one wins).
 */
export function choiceReader<T extends string>(
  allowed: readonly T[],
  what: string,
  options: { readonly unknown?: 'inconnu' | 'inconnue'; readonly aliases?: Readonly<Record<string, T>> } = {},
): (raw: string) => CellResult<T | undefined> {
  const byFolded = new Map<string, T>();
  for (const choice of allowed) if (!byFolded.has(fold(choice))) byFolded.set(fold(choice), choice);
  for (const [alias, choice] of Object.entries(options.aliases ?? {}))
    if (!byFolded.has(fold(alias))) byFolded.set(fold(alias), choice);
  return (raw) => {
    const value = fold(raw);
    if (value === '') return ok(undefined);
    const found = byFolded.get(value);
    return found
      ? ok(found)
      : invalid(`${what} « ${raw.trim()} » ${options.unknown ?? 'inconnue'} : valeurs admises ${listed(allowed)}.`);
  };
}

export const readTypology = choiceReader(TYPOLOGIES, 'typologie');
export const readFinancing = choiceReader(FINANCINGS, 'financement', { unknown: 'inconnu' });
/** The management mode as officers write it: the adjective agrees with « gestion » or with « mode ». */
export const readGestionMode = choiceReader(GESTION_MODES, 'mode de gestion', {
  unknown: 'inconnu',
  aliases: { direct: 'directe', delegue: 'deleguee', 'gestion directe': 'directe', 'gestion deleguee': 'deleguee' },
});

/**
 * The priority categories of art. L. 441-1 CCH (publics prioritaires), by the letter of the
 * article, with their French label. A cell gives the letter (`c`, `c)`) or the label; the label
 * is what the event records.
 */
export const PRIORITY_CATEGORIES: readonly {
  readonly letter: string;
  readonly label: string;
  readonly also?: readonly string[];
}[] = [
  { letter: 'a', label: 'Personne en situation de handicap ou famille ayant à charge une telle personne', also: ['handicap'] },
  {
    letter: 'a bis',
    label: 'Personne sortant d’un appartement de coordination thérapeutique',
    also: ['sortant d’un appartement de coordination thérapeutique'],
  },
  {
    letter: 'b',
    label: 'Personne mal logée ou défavorisée, ou en difficulté particulière de logement',
    also: ['mal logé', 'défavorisé'],
  },
  {
    letter: 'c',
    label: 'Sortant d’hébergement ou de logement de transition',
    also: ['sortant d’hébergement', 'hébergé', 'logement de transition'],
  },
  {
    letter: 'd',
    label: 'Reprise d’activité après un chômage de longue durée',
    also: ['chômage de longue durée'],
  },
  { letter: 'd bis', label: 'Exposé à un habitat indigne', also: ['habitat indigne'] },
  {
    letter: 'e',
    label: 'Victime de violences au sein du couple ou menacée de mariage forcé',
    also: ['violences conjugales', 'violences au sein du couple', 'mariage forcé'],
  },
  { letter: 'f', label: 'Engagé dans un parcours de sortie de la prostitution', also: ['sortie de la prostitution'] },
  { letter: 'g', label: 'Victime de traite des êtres humains ou de proxénétisme', also: ['traite des êtres humains'] },
  {
    letter: 'h',
    label: 'Avec enfant mineur dans un logement suroccupé ou non décent',
    also: ['suroccupation', 'logement non décent'],
  },
  {
    letter: 'i',
    label: 'Dépourvu de logement, y compris hébergé par des tiers',
    also: ['sans logement', 'hébergé par des tiers'],
  },
  { letter: 'j', label: 'Menacé d’expulsion sans relogement', also: ['menacé d’expulsion', 'expulsion'] },
];

const foldLabel = (value: string) =>
  fold(value)
    .replace(/[’']/g, "'")
    .replace(/\s+/g, ' ')
    .replace(/^l\.? ?441-1,? ?/, '')
    .replace(/\)$/, '');
const CATEGORY_BY_SPELLING = new Map<string, string>(
  PRIORITY_CATEGORIES.flatMap(({ letter, label, also = [] }) =>
    [letter, label, ...also].map((spelling) => [foldLabel(spelling), label] as const),
  ),
);

/**
 * A priority category: empty or a word saying none (NONE_WORDS) is none (null) — a "non" must
 * never count a household as priority; a letter or label of L. 441-1 is that category's label;
 * anything else is refused with the letters allowed.
 */
export function readPriorityCategory(raw: string): CellResult<string | null> {
  if (meansNone(raw)) return ok(null);
  const label = CATEGORY_BY_SPELLING.get(foldLabel(raw));
  if (label) return ok(label);
  return invalid(
    `catégorie prioritaire « ${raw.trim()} » inconnue : lettre ou libellé de l’article L. 441-1 du CCH attendu (${PRIORITY_CATEGORIES.map((c) => c.letter).join(', ')} ; voir le modèle), ou non / aucune / - pour aucune.`,
  );
}

const TEXT_ADVICE =
  'formatez la colonne en Texte dans le tableur (ou exportez directement depuis votre logiciel) puis renvoyez le fichier.';

/**
 * The numéro unique d'enregistrement of the household's application (système national
 * d'enregistrement, art. L. 441-2-1 CCH): 18 characters, the département on three (`059`, `02A`,
 * `974`), the year and month of the application, then the registering office and a sequence
 * number. Spreadsheets damage it when they read it as a number: the leading 0 is dropped
 * (17 digits), digits after the 15th become zeros, or it turns into scientific notation. Such a
 * value would be taken as another household, silently: it is refused with what happened.
 */
export function readNumeroUnique(raw: string, confirmed = false): CellResult<string | undefined> {
  const value = raw.trim();
  if (value === '') return ok(undefined);
  const damage = numeroUniqueDamage(value, confirmed);
  if (damage)
    return damaged(
      `numéro unique « ${value} » abîmé par un tableur (${damage.what}) : ${TEXT_ADVICE}${damage.confirmable ? ` ${CONFIRM_IN_FILE}` : ''}`,
    );
  return ok(value);
}

/** How a file confirms a genuine numéro unique the spreadsheet rule refuses (an overseas one ending in 000). */
const CONFIRM_IN_FILE =
  'S’il est exact (départements 971 à 976 : un numéro sur mille finit par 000), confirmez-le : colonne numero_unique_confirme = oui sur sa ligne.';

/** A SIREN (9 digits, Luhn check digit); 8 digits or scientific notation say a spreadsheet took it for a number. */
export function readSiren(raw: string): CellResult<string | undefined> {
  const value = raw.replace(/[\s\u00a0\u202f]/g, '');
  if (value === '') return ok(undefined);
  if (SCIENTIFIC_NOTATION.test(value))
    return damaged(`SIREN « ${value} » abîmé par un tableur (notation scientifique) : ${TEXT_ADVICE}`);
  if (/^\d{8}$/.test(value))
    return damaged(`SIREN « ${value} » de 8 chiffres : zéro initial perdu par un tableur ? ${TEXT_ADVICE}`);
  if (!/^\d{9}$/.test(value)) return invalid(`SIREN « ${value} » : 9 chiffres attendus.`);
  if (!sirenCheckDigitValid(value)) return invalid(`SIREN « ${value} » : clé de contrôle (Luhn) fausse, vérifiez le numéro.`);
  return ok(value);
}

/**
 * A commune's INSEE code: 5 characters, digits or 2A/2B (Corsica). Four digits are a code whose
 * leading 0 a spreadsheet dropped (`1001` for `01001`).
 */
export function readInsee(raw: string): CellResult<string | undefined> {
  const value = raw.trim().toUpperCase();
  if (value === '') return ok(undefined);
  if (/^\d{4}$/.test(value))
    return damaged(`code INSEE « ${value} » de 4 chiffres : zéro initial perdu par un tableur ? ${TEXT_ADVICE}`);
  if (!/^(\d{5}|2[AB]\d{3})$/.test(value)) return invalid(`code INSEE « ${value} » : 5 caractères attendus (ex. 59350, 2A004).`);
  return ok(value);
}

/** An RPLS flat identifier: letters and digits kept as text; scientific notation is a spreadsheet's damage. */
export function readRpls(raw: string): CellResult<string | undefined> {
  const value = raw.trim();
  if (value === '') return ok(undefined);
  if (SCIENTIFIC_NOTATION.test(value))
    return damaged(`identifiant RPLS « ${value} » abîmé par un tableur (notation scientifique) : ${TEXT_ADVICE}`);
  if (!/^[A-Za-z0-9]{1,20}$/.test(value)) return invalid(`identifiant RPLS « ${value} » : 1 à 20 lettres ou chiffres attendus.`);
  return ok(value);
}

/**
 * What a workbook cell stored as a number (not text) means in a column that takes text
 * (import-workbook.ts says which cells are numbers; a CSV has none):
 * - `identifier` (numéro unique, RPLS, SIREN, INSEE code, lease and case references): the
 *   spreadsheet converted what was typed, and may have dropped leading zeros or the digits after
 *   the 15th, silently making it another household or flat: refused (SPREADSHEET_DAMAGE), whatever
 *   the number, and never echoed (a numéro unique is personal data);
 * - `date`: a day serial (46307) the user saw as a number, not as a date: refused saying so;
 * - `amount`: a number is exactly what the cell holds (no thousands separator to mistake), read as is.
 * `what`: the value's French name (« numéro unique », « date »).
 */
export function readNumericCell(kind: 'identifier' | 'date' | 'amount', what: string, raw: string): CellResult<unknown> {
  if (kind === 'identifier')
    return damaged(
      `${what} enregistré comme nombre par le tableur, qui a pu en perdre les zéros initiaux ou les chiffres au-delà du 15e : ${TEXT_ADVICE}`,
    );
  if (kind === 'date')
    return invalid(`${what} : cellule numérique, pas une date : formatez la colonne en date ou écrivez JJ/MM/AAAA.`);
  const amount = Number(raw);
  return amount >= 0 ? ok(amount) : readAmount(raw);
}
