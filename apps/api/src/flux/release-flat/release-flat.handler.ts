import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { FluxCommand } from '@vigie/domain';
import { CommandPipeline, type CommandOutcome } from '@vigie/event-store';
import type { WriteContext } from '../../http/write.js';
import { KnownOrganisationsService } from '../../referential/known-organisations.service.js';
import { decideOnFlux } from '../flux-facts/flux-fact.commands.js';

/** A flat becomes vacant (FlatReleased): in the net base, or out of it with the reason. */
export class ReleaseFlat {
  constructor(
    readonly fact: Extract<FluxCommand, { type: 'ReleaseFlat' }>['data'],
    readonly context: WriteContext,
  ) {}
}

@CommandHandler(ReleaseFlat)
export class ReleaseFlatHandler implements ICommandHandler<ReleaseFlat, CommandOutcome> {
  constructor(
    private readonly pipeline: CommandPipeline,
    private readonly known: KnownOrganisationsService,
  ) {}

  async execute({ fact, context }: ReleaseFlat): Promise<CommandOutcome> {
    await this.known.assertRegistered('bailleur', fact.bailleurId);
    return decideOnFlux(this.pipeline, { type: 'ReleaseFlat', data: fact }, 'FlatReleased', context);
  }
}
