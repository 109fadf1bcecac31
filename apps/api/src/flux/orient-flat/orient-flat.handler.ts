import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { FluxCommand } from '@vigie/domain';
import { CommandPipeline, type CommandOutcome, EVENT_STORE, type EventStore } from '@vigie/event-store';
import type { WriteContext } from '../../http/write.js';
import { conventionPerimeterOf, decideOnFlux } from '../flux-facts/flux-fact.commands.js';

/** A released flat is oriented to a réservataire’s convention (FlatOrientedToReservataire). */
export class OrientFlat {
  constructor(
    readonly fact: Extract<FluxCommand, { type: 'OrientFlat' }>['data'],
    readonly context: WriteContext,
  ) {}
}

@CommandHandler(OrientFlat)
export class OrientFlatHandler implements ICommandHandler<OrientFlat, CommandOutcome> {
  constructor(
    private readonly pipeline: CommandPipeline,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  async execute({ fact, context }: OrientFlat): Promise<CommandOutcome> {
    const perimeter = await conventionPerimeterOf(this.store, fact);
    return decideOnFlux(this.pipeline, { type: 'OrientFlat', data: fact, perimeter }, 'FlatOrientedToReservataire', context);
  }
}
