import type { WriteContext } from './decisions.service.js';
import { randomUUID } from 'node:crypto';
import { ProblemError } from '../http/problem.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The event id of a write: from the body, else the Idempotency-Key header. Facts from bailleurs
 * require one (a retry must be safe); administrative writes get a fresh one when none is given.
 */
export function eventIdFrom(bodyEventId: string | undefined, idempotencyKey: string | undefined, required: boolean): string {
  const eventId = bodyEventId ?? idempotencyKey;
  if (eventId && UUID.test(eventId)) return eventId.toLowerCase();
  if (!eventId && !required) return randomUUID();
  throw new ProblemError(400, 'VALIDATION_FAILED', 'La demande contient des données invalides.', {
    errors: [
      {
        path: 'eventId',
        code: eventId ? 'INVALID_FORMAT' : 'REQUIRED',
        message: 'Identifiant d’événement (UUID) obligatoire, dans le corps ou l’en-tête Idempotency-Key.',
      },
    ],
  });
}

/** Until access control lands, writes are recorded as made by an unauthenticated caller. */
export const ANONYMOUS = 'anonymous';

/** Who and how for a write through the HTTP API: the one place that names the actor. */
export function apiWriteContext(eventId: string, correlationHeader: string | undefined): WriteContext {
  return { eventId, actor: ANONYMOUS, correlationId: correlationIdFrom(correlationHeader), source: 'api' };
}

export function correlationIdFrom(header: string | undefined): string {
  return header && header.length <= 200 ? header : randomUUID();
}
