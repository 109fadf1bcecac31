import { Inject, Injectable } from '@nestjs/common';
import type { Decider } from '@vigie/domain';
import { EventIdConflictError, type ReadStreamResult, type RecordedEvent } from '@vigie/event-store';
import { RUNTIME, type Runtime } from '../runtime/runtime.js';
import { uuidFromText } from '@vigie/event-store';

export interface WriteContext {
  /** Client-supplied id of the (first) event: a retry with the same id is answered, not re-decided. */
  readonly eventId: string;
  readonly actor: string;
  readonly correlationId: string;
  readonly source: string;
}

export interface DecisionResult {
  readonly streamId: string;
  readonly eventId: string | null;
  readonly eventType: string | null;
  readonly position: number | null;
  readonly streamVersion: number;
  /** True when this event id was already recorded with the same content (a retry). */
  readonly alreadyRecorded: boolean;
  /** False when the decision produced no event (nothing changed). */
  readonly recorded: boolean;
}

/** The ids of the 2nd, 3rd… events of one decision derive from the first, so a retry yields the same ids. */
function derivedEventId(eventId: string, index: number): string {
  return index === 0 ? eventId : uuidFromText(`${eventId}/${index}`);
}

/** Load the stream, decide, append: the one way every command handler writes. */
@Injectable()
export class DecisionsService {
  constructor(@Inject(RUNTIME) private readonly runtime: Runtime) {}

  async decide<C, E extends { type: string; data: unknown }, S>(options: {
    readonly streamId: string;
    readonly decider: Decider<C, E, S>;
    readonly command: (state: S, stream: ReadStreamResult) => C | Promise<C>;
    readonly context: WriteContext;
    /** Whether an event already recorded under this id is the same fact (then the request is a retry). */
    readonly isRetryOf: (previous: RecordedEvent) => boolean;
  }): Promise<DecisionResult> {
    const { store } = this.runtime;
    const { streamId, decider, context } = options;
    const retryAnswer = (previous: RecordedEvent): DecisionResult => {
      if (previous.streamId !== streamId || !options.isRetryOf(previous)) throw new EventIdConflictError(context.eventId);
      return {
        streamId,
        eventId: previous.eventId,
        eventType: previous.type,
        position: previous.globalPosition,
        streamVersion: previous.streamVersion,
        alreadyRecorded: true,
        recorded: true,
      };
    };
    const previous = await store.readEvent(context.eventId);
    if (previous) return retryAnswer(previous);
    const stream = await store.readStream(streamId);
    // An identical retry may have committed between the two reads: the stream then holds it, and
    // deciding on it would refuse the command (LEASE_ALREADY_SIGNED) instead of answering the retry.
    const concurrent = stream.events.find((event) => event.eventId === context.eventId);
    if (concurrent) return retryAnswer(concurrent);
    const state = stream.events.reduce(
      (current, event) => decider.evolve(current, { type: event.type, data: event.data } as E),
      decider.initialState,
    );
    const events = decider.decide(await options.command(state, stream), state);
    if (events.length === 0) {
      return {
        streamId,
        eventId: null,
        eventType: null,
        position: null,
        streamVersion: stream.version,
        alreadyRecorded: false,
        recorded: false,
      };
    }
    const result = await store.append(
      streamId,
      events.map((event, index) => ({
        eventId: derivedEventId(context.eventId, index),
        type: event.type,
        data: event.data,
        metadata: { actor: context.actor, correlationId: context.correlationId, source: context.source },
      })),
      { expectedVersion: stream.version },
    );
    return {
      streamId,
      eventId: context.eventId,
      eventType: events[0]!.type,
      position: result.positions[0]!,
      streamVersion: result.nextExpectedVersion,
      alreadyRecorded: result.alreadyRecorded,
      recorded: true,
    };
  }
}
