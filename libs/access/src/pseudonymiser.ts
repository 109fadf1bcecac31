import { createHmac, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * A numéro unique as Vigie compares it: without its spaces (any Unicode space, the thin ones a
 * spreadsheet puts between groups of digits included) and in capitals. Two spellings that give the
 * same value name the same household; checks of its form (a spreadsheet's damage) read this value.
 */
export function normaliseNumeroUnique(numeroUnique: string): string {
  return numeroUnique.replace(/\s+/g, '').toUpperCase();
}

/**
 * Household identifiers (numéro unique SNE) never enter the event store in clear: they are
 * replaced on entry by a keyed hash (HMAC-SHA-256), the same for the same household and key, so
 * a CAL decision, an offer refusal and a lease of one household still match. Without the key the
 * pseudonym cannot be traced back, nor recomputed from a list of candidate numbers.
 */
export class Pseudonymiser {
  private readonly key: Buffer;

  constructor(key: string) {
    if (key.length < 32) throw new Error('The pseudonymisation key must be at least 32 characters long');
    this.key = Buffer.from(key, 'utf8');
  }

  /** `h1-` + 27 base64url characters (160 bits); case and spaces of the number do not matter. */
  pseudonymise(numeroUnique: string): string {
    const normalised = normaliseNumeroUnique(numeroUnique);
    return `h1-${createHmac('sha256', this.key).update(`numero-unique:${normalised}`).digest('base64url').slice(0, 27)}`;
  }
}

/** Reads the key kept in `path`, or creates one there (readable by its owner only). */
export function loadOrCreateKeyFile(path: string): { key: string; created: boolean } {
  if (existsSync(path)) return { key: readFileSync(path, 'utf8').trim(), created: false };
  mkdirSync(dirname(path), { recursive: true });
  const key = randomBytes(32).toString('base64url');
  writeFileSync(path, `${key}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(path, 0o600);
  return { key, created: true };
}

/**
 * What a numéro unique SNE looks like inside a text: a run of 10 or more digits (13 in practice,
 * 18 in some forms), possibly spaced (`059 1227 000123`), in any script (`\p{Nd}`), with invisible
 * formatting characters ignored. Free text, correlation ids and echoed keys are checked with it:
 * only `numeroUnique` fields may carry such a number, and those are pseudonymised on entry.
 */
const NUMERO_UNIQUE_LIKE = /\p{Nd}(?:[\s\p{Cf}]*\p{Nd}){9,}/u;

export function looksLikeNumeroUnique(text: string): boolean {
  return NUMERO_UNIQUE_LIKE.test(text);
}

/** The text with every run that looks like a numéro unique replaced by as many `#`: for reports that echo what a file said. */
export function maskNumeroUniqueLike(text: string): string {
  return text.replace(new RegExp(NUMERO_UNIQUE_LIKE.source, 'gu'), (run) => '#'.repeat(run.length));
}
