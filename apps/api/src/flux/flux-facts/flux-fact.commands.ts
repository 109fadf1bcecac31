import {
  type ConventionPerimeter,
  conventionPerimeter,
  type ConventionRef,
  type FluxCommand,
  fluxDecider,
  flatStreamId,
  reservationDecider,
  reservationStreamId,
} from '@vigie/domain';
import { type CommandOutcome, type CommandPipeline, type EventStore, jsonEqual, loadAggregate } from '@vigie/event-store';
import { notFound } from '../../http/problem.js';
import type { WriteContext } from '../../http/write.js';

/**
 * Decides a flux fact on its flat's stream, whatever its year (a flat's life may cross 31 December;
 * each fact counts in the year of its own date); a retry is the same event type with the same data.
 */
export function decideOnFlux(
  pipeline: CommandPipeline,
  command: FluxCommand,
  eventType: string,
  context: WriteContext,
): Promise<CommandOutcome> {
  return pipeline.handle({
    streamId: flatStreamId(command.data.bailleurId, command.data.rplsId),
    decider: fluxDecider,
    eventId: context.eventId,
    metadata: context.metadata,
    isRetryOf: (previous) => previous.type === eventType && jsonEqual(previous.data, command.data),
    command: () => command,
  });
}

/** The convention must exist between this bailleur and this réservataire (the same 404 otherwise, whoever asks): its perimeter. */
export async function conventionPerimeterOf(store: EventStore, convention: ConventionRef): Promise<ConventionPerimeter> {
  const { state } = await loadAggregate(store, reservationStreamId(convention), reservationDecider);
  if (!state.terms) throw notFound('CONVENTION_NOT_FOUND');
  return conventionPerimeter(state.terms);
}
