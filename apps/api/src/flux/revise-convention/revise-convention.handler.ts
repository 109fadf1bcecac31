import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { ConventionRef, ReservationCommand } from '@vigie/domain';
import { CommandPipeline, type CommandOutcome } from '@vigie/event-store';
import type { WriteContext } from '../../http/write.js';
import { decideOnConvention } from '../conventions/convention.commands.js';

/** Revise a convention from a year on (clause de revoyure): a new event, never an edit. */
export class ReviseConvention {
  constructor(
    readonly convention: ConventionRef,
    readonly revision: Extract<ReservationCommand, { type: 'ReviseConvention' }>['data'],
    readonly context: WriteContext,
  ) {}
}

@CommandHandler(ReviseConvention)
export class ReviseConventionHandler implements ICommandHandler<ReviseConvention, CommandOutcome> {
  constructor(private readonly pipeline: CommandPipeline) {}

  execute({ convention, revision, context }: ReviseConvention): Promise<CommandOutcome> {
    return decideOnConvention(
      this.pipeline,
      convention,
      { type: 'ReviseConvention', data: revision },
      'ConventionRevised',
      context,
    );
  }
}
