import type { FieldProblem } from './problem.js';

/** A NUL character, or half of a UTF-16 surrogate pair alone: PostgreSQL cannot store either (text or jsonb). */
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function isStorableText(text: string): boolean {
  return !UNSTORABLE.test(text);
}

const MESSAGE = 'Caractère non enregistrable (caractère nul ou caractère Unicode isolé) : corrigez l’encodage du texte.';

/**
 * Every string (and object key) of untrusted input PostgreSQL could not store, with its path:
 * refused before any schema, handler or database call, whatever the route.
 */
export function unstorableFields(input: unknown, path = '', depth = 0): FieldProblem[] {
  if (typeof input === 'string') {
    return isStorableText(input) ? [] : [{ path: path || '(corps)', code: 'UNSTORABLE_CHARACTER', message: MESSAGE }];
  }
  if (!input || typeof input !== 'object' || depth > 64) return [];
  const problems: FieldProblem[] = [];
  for (const [key, value] of Object.entries(input)) {
    const at = path ? `${path}.${key}` : key;
    if (!isStorableText(key)) {
      problems.push({ path: path || '(corps)', code: 'UNSTORABLE_CHARACTER', message: MESSAGE });
      continue;
    }
    problems.push(...unstorableFields(value, at, depth + 1));
    if (problems.length >= 20) break;
  }
  return problems;
}
