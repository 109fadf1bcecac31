import { applyDecorators } from '@nestjs/common';
import { ApiQuery } from '@nestjs/swagger';
import { z } from 'zod';
import { isBusinessDate, parisTimestamp, parseInstant } from '@vigie/domain';
import { positionAt, readFreshness, recordedAtOf } from '@vigie/projections';
import type { DatabasePool } from '@vigie/postgres';
import { isTimestampInRange } from './params.js';

/**
 * `asOf`: what Vigie knew then, a global position (`1200`) or an ISO 8601 timestamp with an
 * explicit offset (`2026-06-30T23:59:59+02:00`, `…Z`); anything else answers 400 naming both forms.
 */
export const asOfParam = z
  .string()
  .refine(
    (value) => /^\d{1,15}$/.test(value) || (parseInstant(value) !== null && isTimestampInRange(value)),
    'asOf (ce que Vigie savait alors) : une position globale (entier, ex. 1200) ou un horodatage ISO 8601 avec son fuseau, années 1900 à 9999 (ex. 2026-06-30T23:59:59+02:00 ou 2026-06-30T21:59:59Z) ; pour les baux signés jusqu’à une date, utilisez signedUntil=AAAA-MM-JJ.',
  )
  .optional();

/** `signedUntil`: a business-date cut (YYYY-MM-DD, an existing day): facts dated on or before it. */
export const signedUntilParam = z
  .string()
  .refine(isBusinessDate, 'signedUntil : une date AAAA-MM-JJ (ex. 2026-06-30) : les baux signés jusqu’à ce jour inclus.')
  .optional();

/** The two times of a read, as parsed from its query (strictly: see asOfParam and signedUntilParam). */
export const bitemporalQuery = { asOf: asOfParam, signedUntil: signedUntilParam };

/** What `asOf` names: a position, an instant, or nothing (the figures as they stand). */
export type AsOf = { readonly position?: number; readonly at?: Date };

export function asOfOf(value: string | undefined): AsOf {
  if (value === undefined) return {};
  return /^\d+$/.test(value) ? { position: Number(value) } : { at: parseInstant(value)! };
}

/** The two query values of a request (empty as absent), for the schema. */
export function bitemporalInput(query: Record<string, string | undefined>) {
  return { asOf: query.asOf || undefined, signedUntil: query.signedUntil || undefined };
}

/**
 * The position the figures are read at: the read model's own (`current`), or the one `asOf`
 * names, never beyond what the read model has applied; with the time that position was recorded.
 */
export async function readPosition(
  pool: DatabasePool,
  asOf: AsOf,
  current: number,
): Promise<{ readonly position: number; readonly recordedAt: Date | null; readonly live: boolean }> {
  if (asOf.position === undefined && asOf.at === undefined) return { position: current, recordedAt: null, live: true };
  const asked = asOf.position ?? (await positionAt(pool, asOf.at!));
  const position = Math.min(asked, current);
  return { position, recordedAt: position > 0 ? await recordedAtOf(pool, position) : null, live: false };
}

/** The OpenAPI lines of the two times, with an example each. */
export function BitemporalQueries(what = 'leases'): MethodDecorator {
  return applyDecorators(
    ApiQuery({
      name: 'asOf',
      required: false,
      description: 'what Vigie knew then: a global position, or an ISO 8601 timestamp with explicit offset',
      example: '2026-06-30T23:59:59+02:00',
    }),
    ApiQuery({
      name: 'signedUntil',
      required: false,
      description: `${what} dated on or before this business date (YYYY-MM-DD)`,
      example: '2026-06-30',
    }),
  );
}

/**
 * The position an `asOf` names, never beyond what both read models the flux views read have
 * applied (compliance for the leases, flux for the flux facts); undefined when none is asked.
 */
export async function readFluxAsOf(pool: DatabasePool, asOf: string | undefined) {
  if (asOf === undefined) return undefined;
  const [compliance, flux] = await Promise.all([readFreshness(pool, 'compliance'), readFreshness(pool, 'flux')]);
  const at = await readPosition(pool, asOfOf(asOf), Math.min(compliance.position, flux.position));
  return {
    position: at.position,
    view: { position: at.position, recordedAt: at.recordedAt ? parisTimestamp(at.recordedAt) : null, live: false },
  };
}
