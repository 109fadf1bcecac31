import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { type BilanCommand, bilanDecider, bilanStreamId } from '@vigie/domain';
import { CommandPipeline, type CommandOutcome, jsonEqual } from '@vigie/event-store';
import type { WriteContext } from '../../http/write.js';
import { KnownOrganisationsService } from '../../referential/known-organisations.service.js';

/** Close the bilan of a past year: facts recorded later for that year are shown apart. */
export class CloseBilan {
  constructor(
    readonly closure: BilanCommand['data'],
    readonly context: WriteContext,
  ) {}
}

@CommandHandler(CloseBilan)
export class CloseBilanHandler implements ICommandHandler<CloseBilan, CommandOutcome> {
  constructor(
    private readonly pipeline: CommandPipeline,
    private readonly known: KnownOrganisationsService,
  ) {}

  async execute({ closure, context }: CloseBilan): Promise<CommandOutcome> {
    await this.known.assertRegistered('bailleur', closure.bailleurId);
    return this.pipeline.handle({
      streamId: bilanStreamId(closure.bailleurId, closure.year),
      decider: bilanDecider,
      eventId: context.eventId,
      metadata: context.metadata,
      isRetryOf: (previous) => previous.type === 'FluxBilanClosed' && jsonEqual(previous.data, closure),
      command: () => ({ type: 'CloseBilan' as const, data: closure }),
    });
  }
}
