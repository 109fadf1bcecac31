import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { FluxCommand } from '@vigie/domain';
import { CommandPipeline, type CommandOutcome, EVENT_STORE, type EventStore } from '@vigie/event-store';
import type { WriteContext } from '../../http/write.js';
import { conventionPerimeterOf, decideOnFlux } from '../flux-facts/flux-fact.commands.js';

/** The réservataire proposed no one in time: the flat returns to the bailleur (FlatReturnedToBailleur). */
export class ReturnFlat {
  constructor(
    readonly fact: Extract<FluxCommand, { type: 'ReturnFlat' }>['data'] & { readonly reservataireId: string },
    readonly context: WriteContext,
  ) {}
}

@CommandHandler(ReturnFlat)
export class ReturnFlatHandler implements ICommandHandler<ReturnFlat, CommandOutcome> {
  constructor(
    private readonly pipeline: CommandPipeline,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  async execute({ fact, context }: ReturnFlat): Promise<CommandOutcome> {
    await conventionPerimeterOf(this.store, fact);
    return decideOnFlux(this.pipeline, { type: 'ReturnFlat', data: fact }, 'FlatReturnedToBailleur', context);
  }
}
