import { randomUUID } from 'node:crypto';
import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { actorOf, looksLikeNumeroUnique } from '@vigie/access';
import { canonicalJson, compositeKey } from '@vigie/domain';
import { type CommandOutcome, type EventMetadata, uuidFromText } from '@vigie/event-store';
import { principalOf } from '../access/principal.request.js';
import { isUuid } from './params.js';
import { invalidField, problemOf } from './problem.js';

/** Who writes, under which event id and correlation id: what every command of the API carries besides its intent. */
export interface WriteContext {
  /** Id of the (first) event: a retry with the same id is answered, not decided again. */
  readonly eventId: string;
  readonly metadata: EventMetadata;
}

/** What a write is, when its caller names no event id: where it was sent and what it says. */
export interface WriteContent {
  readonly writer: Writer;
  /** The request body as sent (its `eventId`, absent here, plays no part). */
  readonly body: unknown;
}

/**
 * The event id of a write: from the body, else the Idempotency-Key header, else
 * - for facts from bailleurs (`{ writer, body }`): a name-based UUID of the route and the
 *   body's canonical JSON, so that the same request sent again is a retry (answered 200 with the
 *   recorded event) and another content under the same reference is decided as such (e.g.
 *   409 LEASE_ALREADY_SIGNED), never recorded twice;
 * - for administrative writes (`'fresh'`): a new random id.
 * Throws the 400 of an `eventId` that is not a UUID.
 */
export function eventIdFrom(
  bodyEventId: string | undefined,
  idempotencyKey: string | undefined,
  missing: WriteContent | 'fresh',
): string {
  const eventId = bodyEventId ?? idempotencyKey;
  if (isUuid(eventId)) return eventId.toLowerCase();
  if (eventId)
    throw invalidField(
      'eventId',
      'INVALID_FORMAT',
      'Identifiant d’événement : un UUID attendu (ex. 7d4f3c1e-2b1a-4c5d-8e9f-0a1b2c3d4e5f), dans le corps ou l’en-tête Idempotency-Key.',
    );
  if (missing === 'fresh') return randomUUID();
  return uuidFromText(compositeKey('api-write', missing.writer.route, canonicalJson(missing.body)));
}

/** Who writes and under which correlation id: built once per request by `@Writer()`. */
export interface Writer {
  readonly actor: string;
  readonly correlationId: string;
  /** The request's method and path (`POST /v1/leases`): what a derived event id is scoped to. */
  readonly route: string;
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
  const request = context.switchToHttp().getRequest<FastifyRequest>();
  const principal = principalOf(request);
  if (!principal) throw problemOf('UNAUTHENTICATED');
  const correlationId = request.headers['x-correlation-id'];
  return {
    actor: actorOf(principal),
    correlationId: correlationIdFrom(Array.isArray(correlationId) ? correlationId[0] : correlationId),
    route: `${request.method} ${pathOf(request)}`,
  };
});

/** The request's path, without its query (as sent: not decoded). */
export function pathOf(request: FastifyRequest): string {
  const query = request.url.indexOf('?');
  return query === -1 ? request.url : request.url.slice(0, query);
}

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
export function answerWrite(reply: FastifyReply, outcome: CommandOutcome): WriteAnswer {
  const created = outcome.recorded && !outcome.alreadyRecorded;
  reply.code(created ? 201 : 200);
  if (outcome.eventId) reply.header('Location', `/v1/events/${outcome.eventId}`);
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
