import type { WriteContext } from './decisions.service.js';
import { randomUUID } from 'node:crypto';
import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { actorOf } from '@vigie/access';
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

export function correlationIdFrom(header: string | undefined): string {
  return header && header.length <= 200 ? header : randomUUID();
}
