import type { WriteContext } from './decisions.service.js';
import { randomUUID } from 'node:crypto';
import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { actorOf, looksLikeNumeroUnique } from '@vigie/access';
import { principalOf } from '../access/principal.request.js';
import { isUuid } from '../http/params.js';
import { invalidField, problemOf } from '../http/problem.js';

/**
 * The event id of a write: from the body, else the Idempotency-Key header. Facts from bailleurs
 * require one (a retry must be safe); administrative writes get a fresh one when none is given.
 */
export function eventIdFrom(bodyEventId: string | undefined, idempotencyKey: string | undefined, required: boolean): string {
  const eventId = bodyEventId ?? idempotencyKey;
  if (isUuid(eventId)) return eventId.toLowerCase();
  if (!eventId && !required) return randomUUID();
  throw invalidField(
    'eventId',
    eventId ? 'INVALID_FORMAT' : 'REQUIRED',
    'Identifiant d’événement (UUID) obligatoire, dans le corps ou l’en-tête Idempotency-Key.',
  );
}

/** Who writes and under which correlation id: built once per request by `@Writer()`. */
export interface Writer {
  readonly actor: string;
  readonly correlationId: string;
}

/** The write context of an HTTP write: the one place that turns the caller into the recorded actor. */
export function apiWriteContext(eventId: string, writer: Writer): WriteContext {
  return { eventId, actor: writer.actor, correlationId: writer.correlationId, source: 'api' };
}

/** `@Writer() writer: Writer` in a write handler: the authenticated caller as actor, and the correlation id. */
export const Writer = createParamDecorator((_data: unknown, context: ExecutionContext): Writer => {
  const request = context.switchToHttp().getRequest<Request>();
  const principal = principalOf(request);
  if (!principal) throw problemOf('UNAUTHENTICATED');
  return { actor: actorOf(principal), correlationId: correlationIdFrom(request.header('x-correlation-id')) };
});

const CORRELATION_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * The correlation id kept in the events' metadata: the caller's `X-Correlation-Id` when it is a
 * UUID, or 1 to 64 letters, digits, `.`, `_`, `-` with no run of 10 digits or more (a household
 * number must not reach the events through it); anything else is replaced by a fresh UUID, never
 * refused (a correlation id only helps to trace, so a bad one must not fail the write).
 */
export function correlationIdFrom(header: string | undefined): string {
  if (header && (isUuid(header) || (CORRELATION_ID.test(header) && !looksLikeNumeroUnique(header)))) return header;
  return randomUUID();
}
