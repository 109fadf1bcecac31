import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { z } from 'zod';
import { type FieldProblem, problemDocument, sendProblem } from './problem.js';
import { displayKey } from './validation.js';

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

/**
 * The query parameters given more than once (`?year=2026&year=2027`: Fastify reads them as a list),
 * each as a field problem QUERY_PARAM_REPEATED naming it; empty when none is. No route of the API
 * takes a list in its query: a repeated one is a mistake (two filters merged, a link built twice).
 */
export function repeatedQueryParams(query: unknown): FieldProblem[] {
  if (!query || typeof query !== 'object') return [];
  return Object.entries(query)
    .filter(([, value]) => Array.isArray(value))
    .map(([key, value]) => {
      const name = displayKey(key);
      return {
        path: name,
        code: 'QUERY_PARAM_REPEATED',
        message: `Paramètre « ${name} » donné ${(value as unknown[]).length} fois dans l’adresse : donnez-le une seule fois (?${name}=… une fois, avec la valeur voulue).`,
      };
    });
}

/**
 * An `onRequest` hook, for every route: a query parameter given more than once is refused 400
 * VALIDATION_FAILED, its field problem QUERY_PARAM_REPEATED, before anything reads it (a route's
 * schema would call the list a bad value, and say nothing of the repetition).
 */
export function refuseRepeatedQueryParams(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
  const errors = repeatedQueryParams(request.query);
  if (errors.length) {
    sendProblem(reply, problemDocument('VALIDATION_FAILED', { errors }));
    return;
  }
  done();
}
