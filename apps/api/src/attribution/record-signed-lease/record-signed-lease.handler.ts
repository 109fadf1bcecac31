import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { attributionDecider, attributionStreamId, type LeaseSignedData } from '@vigie/domain';
import { CommandPipeline, type CommandOutcome, jsonEqual } from '@vigie/event-store';
import type { WriteContext } from '../../http/write.js';
import { LeaseReferentialService } from '../lease-referential.service.js';

/** Record a signed lease (the counting event) on its case. */
export class RecordSignedLease {
  constructor(
    readonly lease: LeaseSignedData,
    readonly context: WriteContext,
    readonly now: Date,
  ) {}
}

/** Look up the referential, then the pipeline: load the case, decide, append. */
@CommandHandler(RecordSignedLease)
export class RecordSignedLeaseHandler implements ICommandHandler<RecordSignedLease, CommandOutcome> {
  constructor(
    private readonly pipeline: CommandPipeline,
    private readonly referential: LeaseReferentialService,
  ) {}

  execute({ lease, context, now }: RecordSignedLease): Promise<CommandOutcome> {
    return this.pipeline.handle({
      streamId: attributionStreamId(lease.bailleurId, lease.caseId),
      decider: attributionDecider,
      eventId: context.eventId,
      metadata: context.metadata,
      // The stored lease also carries Vigie's link to its CAL decision: compare the bailleur's facts only.
      isRetryOf: (previous) =>
        previous.type === 'LeaseSigned' && jsonEqual({ ...(previous.data as object), calDecisionEventId: undefined }, lease),
      command: async () => ({
        type: 'RecordSignedLease' as const,
        data: lease,
        referential: await this.referential.contextForFact(lease),
        now,
      }),
    });
  }
}
