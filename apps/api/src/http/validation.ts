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

function fieldProblems(error: z.ZodError): FieldProblem[] {
  return error.issues.flatMap((issue): FieldProblem[] => {
    const path = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        path: path ? `${path}.${key}` : key,
        code: 'UNKNOWN_FIELD',
        message: `Champ inconnu : « ${key} ».`,
      }));
    }
    const code =
      issue.code === 'custom'
        ? String((issue.params as { code?: string } | undefined)?.code ?? 'INVALID_VALUE')
        : issue.input === undefined
          ? 'REQUIRED'
          : (CODES[issue.code] ?? 'INVALID_VALUE');
    return [{ path: path || '(corps)', code, message: issue.message }];
  });
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
    error: (issue) => (issue.input === undefined && issue.code !== 'unrecognized_keys' ? 'Champ obligatoire.' : undefined),
  });
  return result.success ? { ok: true, data: result.data } : { ok: false, errors: fieldProblems(result.error) };
}

/** Parses untrusted input; on failure throws a 400 problem listing each field with a French message. */
export function parseOrThrow<Schema extends z.ZodType>(schema: Schema, input: unknown): z.output<Schema> {
  const result = validate(schema, input);
  if (result.ok) return result.data;
  const [status, title] = errorEntry('VALIDATION_FAILED');
  throw new ProblemError(status, 'VALIDATION_FAILED', title, { errors: result.errors });
}
