import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { attributionDecider, attributionStreamId, type CalDecisionRecorded } from '@vigie/domain';
import { CommandPipeline, type CommandOutcome, jsonEqual } from '@vigie/event-store';
import type { WriteContext } from '../../http/write.js';
import { LeaseReferentialService } from '../lease-referential.service.js';

/** Record what a CAL decided for a vacant flat: ranked candidates; counts nothing by itself. */
export class RecordCalDecision {
  constructor(
    readonly decision: CalDecisionRecorded['data'],
    readonly context: WriteContext,
    readonly now: Date,
  ) {}
}

@CommandHandler(RecordCalDecision)
export class RecordCalDecisionHandler implements ICommandHandler<RecordCalDecision, CommandOutcome> {
  constructor(
    private readonly pipeline: CommandPipeline,
    private readonly referential: LeaseReferentialService,
  ) {}

  execute({ decision, context, now }: RecordCalDecision): Promise<CommandOutcome> {
    return this.pipeline.handle({
      streamId: attributionStreamId(decision.bailleurId, decision.caseId),
      decider: attributionDecider,
      eventId: context.eventId,
      metadata: context.metadata,
      isRetryOf: (previous) => previous.type === 'CalDecisionRecorded' && jsonEqual(previous.data, decision),
      command: async () => ({
        type: 'RecordCalDecision' as const,
        data: decision,
        referential: await this.referential.contextForFact(decision),
        now,
      }),
    });
  }
}
