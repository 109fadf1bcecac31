import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { CiaCommand } from '@vigie/domain';
import { CommandPipeline, type CommandOutcome } from '@vigie/event-store';
import type { WriteContext } from '../../http/write.js';
import { KnownOrganisationsService } from '../../referential/known-organisations.service.js';
import { decideOnCia } from '../cia.commands.js';

/** Amend the CIA: what is given replaces, the rest stays; figures follow at once, no migration. */
export class AmendCia {
  constructor(
    readonly intent: Extract<CiaCommand, { type: 'AmendCia' }>['data'],
    readonly context: WriteContext,
  ) {}
}

@CommandHandler(AmendCia)
export class AmendCiaHandler implements ICommandHandler<AmendCia, CommandOutcome> {
  constructor(
    private readonly pipeline: CommandPipeline,
    private readonly known: KnownOrganisationsService,
  ) {}

  async execute({ intent, context }: AmendCia): Promise<CommandOutcome> {
    await this.known.assertRegistered('epci', intent.epciSiren);
    return decideOnCia(this.pipeline, { type: 'AmendCia', data: intent }, 'CiaAmended', context);
  }
}
