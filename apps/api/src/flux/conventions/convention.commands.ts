import {
  type ConventionRef,
  type ReservationCommand,
  reservationDecider,
  type ReservationEvent,
  reservationStreamId,
} from '@vigie/domain';
import { type CommandOutcome, type CommandPipeline, jsonEqual } from '@vigie/event-store';
import type { WriteContext } from '../../http/write.js';

/** Decides a command on the convention's stream; a retry is the same event type with the same data. */
export function decideOnConvention(
  pipeline: CommandPipeline,
  convention: ConventionRef,
  command: ReservationCommand,
  eventType: ReservationEvent['type'],
  context: WriteContext,
): Promise<CommandOutcome> {
  return pipeline.handle({
    streamId: reservationStreamId(convention),
    decider: reservationDecider,
    eventId: context.eventId,
    metadata: context.metadata,
    isRetryOf: (previous) => previous.type === eventType && jsonEqual(previous.data, command.data),
    command: () => command,
  });
}
