import { applyDecorators } from '@nestjs/common';
import { ApiQuery } from '@nestjs/swagger';
import { z } from 'zod';
import { isBusinessDate, parisTimestamp, parseInstant } from '@vigie/domain';
import { positionAt, readFreshness, readLogHeads, recordedAtOf } from '@vigie/projections';
import type { DatabasePool } from '@vigie/postgres';
import { isTimestampInRange } from './params.js';
import { problemOf } from './problem.js';

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

/** The 422 of an `asOf` Vigie has not reached, its field named, with what it has reached. */
function asOfNotReached(message: string, details: Record<string, unknown>) {
  return problemOf('AS_OF_NOT_REACHED', {
    detail: message,
    details,
    errors: [{ path: 'asOf', code: 'AS_OF_NOT_REACHED', message }],
  });
}

/**
 * Refuses an `asOf` beyond the log's head: figures "as known at" a point Vigie has not reached
 * would be read as final when facts may still be recorded before it. A position past the last one
 * recorded, or an instant after now (the server's clock: events are stamped by it), throws 422
 * AS_OF_NOT_REACHED naming the last position, or the current time in Paris. `knownHead`: a
 * position the caller knows reached (its read model's, the head it read); only a position beyond
 * it costs a read of the head. No `asOf`: nothing to check.
 */
export async function assertAsOfReached(pool: DatabasePool, asOf: AsOf, knownHead = 0): Promise<void> {
  if (asOf.at !== undefined) {
    const now = new Date();
    if (asOf.at.getTime() > now.getTime()) {
      throw asOfNotReached(
        `asOf (${parisTimestamp(asOf.at)}) est dans le futur : il est ${parisTimestamp(now)} à Paris. Demandez un instant passé, ou omettez asOf pour les chiffres à jour.`,
        { now: parisTimestamp(now) },
      );
    }
  }
  if (asOf.position === undefined || asOf.position <= knownHead) return;
  const { headPosition } = await readLogHeads(pool);
  if (asOf.position > headPosition) {
    throw asOfNotReached(
      `asOf=${asOf.position} : Vigie n’a pas encore atteint cette position, la dernière enregistrée est ${headPosition}. Demandez une position jusqu’à ${headPosition}, ou omettez asOf pour les chiffres à jour.`,
      { headPosition },
    );
  }
}

/**
 * The position the figures are read at: the read model's own (`current`), or the one `asOf`
 * names, never beyond what the read model has applied; with the time that position was recorded.
 * An `asOf` beyond the log's head is refused (422 AS_OF_NOT_REACHED, see assertAsOfReached); one
 * reached by the log but not yet by the read model is read at the read model's position, which the
 * answer states.
 */
export async function readPosition(
  pool: DatabasePool,
  asOf: AsOf,
  current: number,
): Promise<{ readonly position: number; readonly recordedAt: Date | null; readonly live: boolean }> {
  if (asOf.position === undefined && asOf.at === undefined) return { position: current, recordedAt: null, live: true };
  await assertAsOfReached(pool, asOf, current);
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
      description:
        'what Vigie knew then: a global position, or an ISO 8601 timestamp with explicit offset; a point Vigie has not reached (a position past the last recorded, an instant in the future) answers 422 AS_OF_NOT_REACHED',
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
