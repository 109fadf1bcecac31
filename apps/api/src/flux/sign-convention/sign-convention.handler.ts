import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { ReservationCommand } from '@vigie/domain';
import { CommandPipeline, type CommandOutcome } from '@vigie/event-store';
import type { WriteContext } from '../../http/write.js';
import { KnownOrganisationsService } from '../../referential/known-organisations.service.js';
import { decideOnConvention } from '../conventions/convention.commands.js';

/** Record a reservation convention between a bailleur and a réservataire (binds once both agreed). */
export class SignConvention {
  constructor(
    readonly terms: Extract<ReservationCommand, { type: 'SignConvention' }>['data'],
    readonly context: WriteContext,
  ) {}
}

@CommandHandler(SignConvention)
export class SignConventionHandler implements ICommandHandler<SignConvention, CommandOutcome> {
  constructor(
    private readonly pipeline: CommandPipeline,
    private readonly known: KnownOrganisationsService,
  ) {}

  async execute({ terms, context }: SignConvention): Promise<CommandOutcome> {
    await this.known.assertRegistered('bailleur', terms.bailleurId);
    await this.known.assertRegistered('reservataire', terms.reservataireId);
    return decideOnConvention(
      this.pipeline,
      terms,
      { type: 'SignConvention', data: terms },
      'ReservationConventionSigned',
      context,
    );
  }
}
