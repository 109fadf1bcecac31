/**
 * The one way Vigie builds a key out of several identifiers: stream ids, derived event ids'
 * seeds, cache keys, read-model keys.
 *
 * `compositeKey('attribution', 'lmh', 'x-1')` → `attribution:lmh:x-1`. Each part is escaped so
 * that it never contains the separator: `%` → `%25`, `:` → `%3A`, `~` → `%7E`; a null part is
 * written `~`, which no escaped string can be. The kind is a fixed lower-case word. Hence the
 * key is injective: two different (kind, parts) tuples never give the same key, whatever the
 * identifiers contain (`lmh` / `x-1` and `lmh-x` / `1` were one stream when ids were joined
 * with `-`). Keys stay readable for the ordinary identifiers (`[A-Za-z0-9._/-]`), unchanged.
 *
 * The SQL twin of `keyPart` is `vigie_key_part(text)` (migration `projections/008-stream-ids`),
 * used once to move the streams written before this encoding.
 */
export type KeyPart = string | number | null;

const KIND = /^[a-z][a-z-]*$/;
const ESCAPES: Readonly<Record<string, string>> = { '%': '%25', ':': '%3A', '~': '%7E' };

/** One part of a key: escaped so it never holds `:`, and `~` for null. */
export function keyPart(part: KeyPart): string {
  if (part === null) return '~';
  if (typeof part === 'number') {
    if (!Number.isSafeInteger(part)) throw new Error(`Key part must be an integer: ${part}`);
    return String(part);
  }
  // Most parts hold none of the three (a part is escaped for each stream id and key built): tested before replacing.
  return SPECIAL.test(part) ? part.replace(/[%:~]/g, (character) => ESCAPES[character]!) : part;
}
const SPECIAL = /[%:~]/;

/**
 * `kind:part:part…`. Throws on a kind that is not a lower-case word (a programming error, never
 * user input) or on a non-integer number.
 */
export function compositeKey(kind: string, ...parts: readonly KeyPart[]): string {
  if (!KIND.test(kind)) throw new Error(`Key kind must be a lower-case word: ${kind}`);
  return `${kind}:${keyParts(...parts)}`;
}

/** The parts alone, `part:part…` (a key inside a key of known kind, such as an alert's scope id). */
export function keyParts(...parts: readonly KeyPart[]): string {
  return parts.map(keyPart).join(':');
}
