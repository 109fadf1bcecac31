import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { ConventionRef, ReservationCommand } from '@vigie/domain';
import { CommandPipeline, type CommandOutcome } from '@vigie/event-store';
import type { WriteContext } from '../../http/write.js';
import { decideOnConvention } from '../conventions/convention.commands.js';

/** A party agrees to the convention or to one of its revisions: terms and revisions bind once both agreed. */
export class AgreeConvention {
  constructor(
    readonly convention: ConventionRef,
    readonly agreement: Extract<ReservationCommand, { type: 'AgreeConvention' }>['data'],
    readonly context: WriteContext,
  ) {}
}

@CommandHandler(AgreeConvention)
export class AgreeConventionHandler implements ICommandHandler<AgreeConvention, CommandOutcome> {
  constructor(private readonly pipeline: CommandPipeline) {}

  execute({ convention, agreement, context }: AgreeConvention): Promise<CommandOutcome> {
    return decideOnConvention(
      this.pipeline,
      convention,
      { type: 'AgreeConvention', data: agreement },
      'ConventionAgreed',
      context,
    );
  }
}
