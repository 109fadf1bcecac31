import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { CiaCommand } from '@vigie/domain';
import { CommandPipeline, type CommandOutcome } from '@vigie/event-store';
import type { WriteContext } from '../../http/write.js';
import { KnownOrganisationsService } from '../../referential/known-organisations.service.js';
import { decideOnCia } from '../cia.commands.js';

/** Publish (or correct) the first-quartile threshold of a year, in € per UC, with its source. */
export class PublishQuartileThreshold {
  constructor(
    readonly intent: Extract<CiaCommand, { type: 'PublishQuartileThreshold' }>['data'],
    readonly context: WriteContext,
  ) {}
}

@CommandHandler(PublishQuartileThreshold)
export class PublishQuartileThresholdHandler implements ICommandHandler<PublishQuartileThreshold, CommandOutcome> {
  constructor(
    private readonly pipeline: CommandPipeline,
    private readonly known: KnownOrganisationsService,
  ) {}

  async execute({ intent, context }: PublishQuartileThreshold): Promise<CommandOutcome> {
    await this.known.assertRegistered('epci', intent.epciSiren);
    return decideOnCia(this.pipeline, { type: 'PublishQuartileThreshold', data: intent }, 'QuartileThresholdPublished', context);
  }
}
