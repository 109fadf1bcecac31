import { ciaDecider, ciaStreamId, type CiaCommand } from '@vigie/domain';
import { type CommandOutcome, type CommandPipeline, jsonEqual } from '@vigie/event-store';
import type { WriteContext } from '../http/write.js';

/**
 * Decides a command on the EPCI's CIA stream. A retry is the same event type with the same
 * facts (a threshold's `correction` flag, Vigie's, is not compared).
 */
export function decideOnCia(
  pipeline: CommandPipeline,
  command: CiaCommand,
  eventType: string,
  context: WriteContext,
): Promise<CommandOutcome> {
  const facts = { ...command.data, correction: undefined };
  return pipeline.handle({
    streamId: ciaStreamId(command.data.epciSiren),
    decider: ciaDecider,
    eventId: context.eventId,
    metadata: context.metadata,
    isRetryOf: (previous) =>
      previous.type === eventType && jsonEqual({ ...(previous.data as object), correction: undefined }, facts),
    command: () => command,
  });
}
