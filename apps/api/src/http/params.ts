import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { z } from 'zod';
import { type FieldProblem, problemDocument, sendProblem } from './problem.js';
import { closestIds } from '@vigie/referential';
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

/**
 * The query parameters each route of the API (`/v1/`) takes, by `METHOD /path/:param` (Fastify's
 * route url), read from the OpenAPI document: what is documented is what is read.
 */
export function documentedQueryParams(document: {
  paths: Record<string, Record<string, { parameters?: readonly { in?: string; name?: string }[] }>>;
}): Map<string, ReadonlySet<string>> {
  const routes = new Map<string, ReadonlySet<string>>();
  for (const [path, operations] of Object.entries(document.paths)) {
    // The API only: a page's address carries what its script reads (`?annee=`).
    if (!path.startsWith('/v1/')) continue;
    const url = path.replace(/\{([^}]+)\}/g, ':$1');
    for (const [method, operation] of Object.entries(operations)) {
      const names = (operation.parameters ?? [])
        .filter((parameter) => parameter.in === 'query')
        .map((parameter) => parameter.name!);
      routes.set(`${method.toUpperCase()} ${url}`, new Set(names));
    }
  }
  return routes;
}

/**
 * The query parameters a route of the API does not take (`?filtre=` for `filter`, `?bailleurId=`
 * for `bailleur`), each as a field problem QUERY_PARAM_UNKNOWN naming it, the closest one the
 * route takes and the others: an unknown parameter was silently ignored, and a mistyped filter
 * answered the unfiltered list as if it were the filtered one. Empty when all are known, or for a
 * route not documented (the pages, whose address the browser's script reads).
 */
export function unknownQueryParams(query: unknown, taken: ReadonlySet<string> | undefined): FieldProblem[] {
  if (!taken || !query || typeof query !== 'object') return [];
  return Object.keys(query)
    .filter((key) => !taken.has(key))
    .map((key) => {
      const name = displayKey(key);
      const others = [...taken].sort();
      const [closest] = closestIds(key, others, 1);
      const advice = !others.length
        ? 'cette adresse ne prend aucun paramètre : retirez-le.'
        : `${closest ? `vouliez-vous dire « ${closest} » ? ` : ''}paramètres de cette adresse : ${others.join(', ')}.`;
      return {
        path: name,
        code: 'QUERY_PARAM_UNKNOWN',
        message: `Paramètre « ${name} » inconnu de cette adresse (rien n’a été filtré par lui) : ${advice}`,
      };
    });
}

/** An `onRequest` hook refusing a request to an API route with a query parameter it does not take (400). */
export function refuseUnknownQueryParams(routes: () => ReadonlyMap<string, ReadonlySet<string>>) {
  return (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    const errors = unknownQueryParams(request.query, routes().get(`${request.method} ${request.routeOptions.url}`));
    if (errors.length) {
      sendProblem(reply, problemDocument('VALIDATION_FAILED', { errors }));
      return;
    }
    done();
  };
}
