import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { ConventionRef, ReservationCommand } from '@vigie/domain';
import { CommandPipeline, type CommandOutcome } from '@vigie/event-store';
import type { WriteContext } from '../../http/write.js';
import { decideOnConvention } from '../conventions/convention.commands.js';

/**
 * The réservataire validates a posteriori a household the bailleur housed when it proposed no one
 * (APosterioriValidationRecorded): counted when the convention switches the option on.
 */
export class ValidateHousing {
  constructor(
    readonly convention: ConventionRef,
    readonly validation: Extract<ReservationCommand, { type: 'RecordAPosterioriValidation' }>['data'],
    readonly context: WriteContext,
  ) {}
}

@CommandHandler(ValidateHousing)
export class ValidateHousingHandler implements ICommandHandler<ValidateHousing, CommandOutcome> {
  constructor(private readonly pipeline: CommandPipeline) {}

  execute({ convention, validation, context }: ValidateHousing): Promise<CommandOutcome> {
    return decideOnConvention(
      this.pipeline,
      convention,
      { type: 'RecordAPosterioriValidation', data: validation },
      'APosterioriValidationRecorded',
      context,
    );
  }
}
