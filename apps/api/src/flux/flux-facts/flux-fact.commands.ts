import {
  type ConventionRef,
  type FluxCommand,
  fluxDecider,
  fluxStreamId,
  reservationDecider,
  reservationStreamId,
} from '@vigie/domain';
import { type CommandOutcome, type CommandPipeline, type EventStore, jsonEqual, loadAggregate } from '@vigie/event-store';
import { notFound } from '../../http/problem.js';
import type { WriteContext } from '../../http/write.js';

/** Decides a flux fact on the bailleur's flux stream of the fact's year; a retry is the same event type with the same data. */
export function decideOnFlux(
  pipeline: CommandPipeline,
  command: FluxCommand,
  year: number,
  eventType: string,
  context: WriteContext,
): Promise<CommandOutcome> {
  return pipeline.handle({
    streamId: fluxStreamId(command.data.bailleurId, year),
    decider: fluxDecider,
    eventId: context.eventId,
    metadata: context.metadata,
    isRetryOf: (previous) => previous.type === eventType && jsonEqual(previous.data, command.data),
    command: () => command,
  });
}

/** The convention must exist between this bailleur and this réservataire (the same 404 otherwise, whoever asks). */
export async function assertConventionExists(store: EventStore, convention: ConventionRef): Promise<void> {
  const { state } = await loadAggregate(store, reservationStreamId(convention), reservationDecider);
  if (!state.terms) throw notFound('CONVENTION_NOT_FOUND');
}
