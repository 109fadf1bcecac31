import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { CiaCommand } from '@vigie/domain';
import { CommandPipeline, type CommandOutcome } from '@vigie/event-store';
import type { WriteContext } from '../../http/write.js';
import { KnownOrganisationsService } from '../../referential/known-organisations.service.js';
import { decideOnCia } from '../cia.commands.js';

/** Adopt the CIA (objectives, sectors, territorialised objectives, counting options); legal defaults fill the gaps. */
export class AdoptCia {
  constructor(
    readonly intent: Extract<CiaCommand, { type: 'AdoptCia' }>['data'],
    readonly context: WriteContext,
  ) {}
}

@CommandHandler(AdoptCia)
export class AdoptCiaHandler implements ICommandHandler<AdoptCia, CommandOutcome> {
  constructor(
    private readonly pipeline: CommandPipeline,
    private readonly known: KnownOrganisationsService,
  ) {}

  async execute({ intent, context }: AdoptCia): Promise<CommandOutcome> {
    await this.known.assertRegistered('epci', intent.epciSiren);
    return decideOnCia(this.pipeline, { type: 'AdoptCia', data: intent }, 'CiaAdopted', context);
  }
}
