import { z } from 'zod';

/** Path and query parameters shared by the read endpoints. */
export const epciSirenParam = z.string().regex(/^\d{9}$/, 'SIREN de l’EPCI attendu (9 chiffres).');

export const yearParam = z.coerce
  .number({ error: 'Année attendue (ex. 2026).' })
  .int('Année attendue (ex. 2026).')
  .min(2000, 'Année à partir de 2000.')
  .max(2100, 'Année jusqu’à 2100.');

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether a text is a UUID (event ids, import ids), in any case. */
export function isUuid(text: unknown): text is string {
  return typeof text === 'string' && UUID.test(text);
}

/**
 * An ISO 8601 timestamp within years 1900 to 9999: JavaScript reads dates up to ±275 760 years,
 * PostgreSQL only from 4713 BC, and no figure predates the law anyway.
 */
export function isTimestampInRange(text: string): boolean {
  const time = Date.parse(text);
  if (Number.isNaN(time)) return false;
  const year = new Date(time).getUTCFullYear();
  return year >= 1900 && year <= 9999;
}

/** `?dryRun=true` (a preview: decided, nothing written), `false` or absent; anything else is refused. */
export const dryRunParam = z
  .enum(['true', 'false'], { error: 'dryRun : true (aperçu, rien d’enregistré) ou false attendu.' })
  .optional()
  .transform((value) => value === 'true');
