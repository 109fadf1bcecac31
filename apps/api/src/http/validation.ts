import { z } from 'zod';
import { type FieldProblem, ProblemError } from './problem.js';
import { errorEntry } from './error-table.js';
import { unstorableFields } from './storable.js';

z.config(z.locales.fr());

const CODES: Record<string, string> = {
  invalid_type: 'INVALID_TYPE',
  too_small: 'TOO_SMALL',
  too_big: 'TOO_BIG',
  invalid_format: 'INVALID_FORMAT',
  invalid_value: 'INVALID_VALUE',
  unrecognized_keys: 'UNKNOWN_FIELD',
  invalid_union: 'INVALID_VALUE',
  not_multiple_of: 'INVALID_VALUE',
};

/**
 * How a key of the input is named in an answer or an import report. Keys of the schemas pass as
 * they are; a key the caller made up (an unknown field, a record key) may carry anything, a
 * household number included, and reports are stored and shown: it is cut to 40 characters, its
 * digits masked (`#`) and any character other than a letter, `.`, `_` or `-` (a letter or `_` first)
 * replaced by `?`.
 */
export function displayKey(key: PropertyKey): string {
  if (typeof key === 'number') return String(key);
  const text = String(key);
  const digits = text.match(/\p{Nd}/gu)?.length ?? 0;
  if (text.length <= 40 && /^[A-Za-z0-9_][A-Za-z0-9._-]*$/.test(text) && digits < 3) return text;
  // Never a leading `-` either: a spreadsheet opening the CSV report would read `-…` as a formula.
  const masked = [...text]
    .slice(0, 40)
    .map((char, i) => (/\p{Nd}/u.test(char) ? '#' : (i === 0 ? /[A-Za-z_]/ : /[A-Za-z._-]/).test(char) ? char : '?'))
    .join('');
  return [...text].length > 40 ? `${masked}…` : masked;
}

const joinPath = (path: readonly PropertyKey[]) => path.map(displayKey).join('.');

/**
 * How tight a bound an issue states, to keep one problem per field and cause: an integer field
 * with a maximum fails both zod's safe-integer bound and its own; the smaller maximum (the larger
 * minimum) is the one that tells what to send. Lower is tighter.
 */
function looseness(issue: z.core.$ZodIssue): number {
  if (issue.code === 'too_big') return Number(issue.maximum);
  if (issue.code === 'too_small') return -Number(issue.minimum);
  return 0;
}

/** One problem per field and code: of several issues of one cause on a field, the tightest bound (or the first). */
function onePerFieldAndCause(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue[] {
  const kept = new Map<string, z.core.$ZodIssue>();
  issues.forEach((issue, index) => {
    const cause =
      issue.code === 'unrecognized_keys' || issue.code === 'invalid_key'
        ? String(index)
        : issue.code === 'custom'
          ? `custom:${String((issue.params as { code?: string } | undefined)?.code)}`
          : issue.code;
    const key = `${issue.path.map(String).join('\u0000')}\u0001${cause}`;
    const other = kept.get(key);
    // Replacing keeps the first one's place in the list.
    if (!other || looseness(issue) < looseness(other)) kept.set(key, issue);
  });
  return [...kept.values()];
}

function fieldProblems(issues: readonly z.core.$ZodIssue[], prefix: readonly PropertyKey[] = []): FieldProblem[] {
  return onePerFieldAndCause(issues).flatMap((issue): FieldProblem[] => {
    const fullPath = [...prefix, ...issue.path];
    const path = joinPath(fullPath);
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => {
        const name = displayKey(key);
        return { path: path ? `${path}.${name}` : name, code: 'UNKNOWN_FIELD', message: `Champ inconnu : « ${name} ».` };
      });
    }
    // A record key the key schema refused (a free-text key holding a number…): its own code and message.
    if (issue.code === 'invalid_key' && issue.issues.length) return fieldProblems(issue.issues, fullPath);
    const code =
      issue.code === 'custom'
        ? String((issue.params as { code?: string } | undefined)?.code ?? 'INVALID_VALUE')
        : issue.input === undefined
          ? 'REQUIRED'
          : (CODES[issue.code] ?? 'INVALID_VALUE');
    return [{ path: path || '(corps)', code, message: issue.message }];
  });
}

const EXPECTED: Record<string, string> = {
  number: 'un nombre (chiffres et point décimal, sans espace ni unité : 9800.5)',
  int: 'un nombre entier (ex. 2)',
  string: 'du texte entre guillemets',
  boolean: 'true ou false',
  object: 'un objet JSON ({ … })',
  array: 'une liste JSON ([ … ])',
};

function receivedLabel(input: unknown): string {
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'une liste';
  return (
    ({ string: 'du texte', number: 'un nombre', boolean: 'un booléen', object: 'un objet' } as Record<string, string>)[
      typeof input
    ] ?? 'autre chose'
  );
}

const bound = (value: unknown) => (typeof value === 'bigint' ? value.toString() : String(value)).replace('.', ',');

/**
 * The accepted values of an enum as a French list, as a person reads it: `T1, T2, T3 ou T4`
 * (`T1` alone, `T1 ou T2`); a text value as it is, without quotes, `null` as « vide (null) ».
 */
function frenchList(values: readonly unknown[]): string {
  const shown = values.map((value) => (value === null ? 'vide (null)' : typeof value === 'string' ? value : bound(value)));
  return shown.length <= 1 ? (shown[0] ?? '') : `${shown.slice(0, -1).join(', ')} ou ${shown.at(-1)}`;
}

/**
 * The French message of a schema's generic refusal, saying what is wrong and what to send instead
 * (a schema's own message, when it has one, wins). Undefined: zod's French message.
 */
function frenchMessage(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.input === undefined && issue.code !== 'unrecognized_keys') return 'Champ obligatoire : ajoutez-le.';
  switch (issue.code) {
    case 'invalid_type': {
      // JSON reads 1e400 as Infinity: a number, but none Vigie can hold.
      if (typeof issue.input === 'number' && !Number.isFinite(issue.input)) {
        return 'Nombre hors limites (trop grand pour être lu) : envoyez un nombre écrit en chiffres, sans exposant (ex. 9800.5).';
      }
      const expected = EXPECTED[issue.expected];
      return expected ? `Valeur attendue : ${expected} ; reçu : ${receivedLabel(issue.input)}.` : undefined;
    }
    case 'too_small':
      if (issue.origin === 'string' && Number(issue.minimum) === 1) return 'Valeur vide : renseignez ce champ.';
      if (issue.origin === 'string') return `Trop court : au moins ${bound(issue.minimum)} caractères.`;
      if (issue.origin === 'array' || issue.origin === 'set') return `Au moins ${bound(issue.minimum)} élément(s) attendu(s).`;
      if (issue.origin === 'number' || issue.origin === 'int' || issue.origin === 'bigint')
        return `Valeur trop petite : ${issue.inclusive ? 'au moins' : 'strictement plus de'} ${bound(issue.minimum)} attendu.`;
      return undefined;
    case 'too_big':
      if (issue.origin === 'string') return `Trop long : au plus ${bound(issue.maximum)} caractères.`;
      if (issue.origin === 'array' || issue.origin === 'set') return `Au plus ${bound(issue.maximum)} élément(s) accepté(s).`;
      if (issue.origin === 'number' || issue.origin === 'int' || issue.origin === 'bigint')
        return `Valeur trop grande : ${issue.inclusive ? 'au plus' : 'strictement moins de'} ${bound(issue.maximum)} attendu.`;
      return undefined;
    case 'invalid_value':
      // Every enum (and literal) field: the accepted values, as a list a person reads.
      return `Valeur non reconnue ; valeur attendue : ${frenchList(issue.values)}.`;
    default:
      return undefined;
  }
}

/** Parses untrusted input: the value, or each field's problem with a code and a French message. */
export function validate<Schema extends z.ZodType>(
  schema: Schema,
  input: unknown,
): { ok: true; data: z.output<Schema> } | { ok: false; errors: FieldProblem[] } {
  const unstorable = unstorableFields(input);
  if (unstorable.length) return { ok: false, errors: unstorable };
  // reportInput lets a missing field be told from a wrong one; the input itself is never sent back.
  const result = schema.safeParse(input, {
    reportInput: true,
    error: frenchMessage,
  });
  return result.success ? { ok: true, data: result.data } : { ok: false, errors: fieldProblems(result.error.issues) };
}

/**
 * Parses untrusted input; on failure throws a 400 problem listing each field with a French message.
 * `name`: the path or query parameter a single value was read from (`siren`, `year`), given as the
 * field of its problems (without it, a lone value's problems would be placed in the body).
 */
export function parseOrThrow<Schema extends z.ZodType>(schema: Schema, input: unknown, name?: string): z.output<Schema> {
  const result = validate(schema, input);
  if (result.ok) return result.data;
  const [status, title] = errorEntry('VALIDATION_FAILED');
  const errors = name
    ? result.errors.map((error) => (error.path === '(corps)' ? { ...error, path: name } : error))
    : result.errors;
  throw new ProblemError(status, 'VALIDATION_FAILED', title, { errors });
}
