import { randomUUID } from 'node:crypto';
import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request, Response } from 'express';
import { actorOf, looksLikeNumeroUnique } from '@vigie/access';
import type { CommandOutcome, EventMetadata } from '@vigie/event-store';
import { principalOf } from '../access/principal.request.js';
import { isUuid } from './params.js';
import { invalidField, problemOf } from './problem.js';

/** Who writes, under which event id and correlation id: what every command of the API carries besides its intent. */
export interface WriteContext {
  /** Id of the (first) event: a retry with the same id is answered, not decided again. */
  readonly eventId: string;
  readonly metadata: EventMetadata;
}

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

/** The metadata every event written through the API carries: the one place that turns the caller into the recorded actor. */
export function writeMetadata(writer: Writer): EventMetadata {
  return { actor: writer.actor, correlationId: writer.correlationId, source: 'api' };
}

/** The write context of an HTTP write. */
export function apiWriteContext(eventId: string, writer: Writer): WriteContext {
  return { eventId, metadata: writeMetadata(writer) };
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

/** The answer of every write: what was recorded, where, and whether it was a retry. */
export interface WriteAnswer {
  readonly eventId: string | null;
  readonly eventType: string | null;
  readonly streamId: string;
  readonly streamVersion: number;
  readonly position: number | null;
  /** True when this event id had already been recorded with the same content (a retry): nothing was written. */
  readonly alreadyRecorded: boolean;
  /** False when the command changed nothing (the same referential entry again): nothing was written. */
  readonly recorded: boolean;
}

/**
 * One status rule for every write: `201 Created` with `Location: /v1/events/{eventId}` for a new
 * fact, `200` for a retry or a command that changed nothing.
 */
export function answerWrite(response: Response, outcome: CommandOutcome): WriteAnswer {
  const created = outcome.recorded && !outcome.alreadyRecorded;
  response.status(created ? 201 : 200);
  if (outcome.eventId) response.setHeader('Location', `/v1/events/${outcome.eventId}`);
  return {
    eventId: outcome.eventId,
    eventType: outcome.eventType,
    streamId: outcome.streamId,
    streamVersion: outcome.streamVersion,
    position: outcome.position,
    alreadyRecorded: outcome.alreadyRecorded,
    recorded: outcome.recorded,
  };
}
