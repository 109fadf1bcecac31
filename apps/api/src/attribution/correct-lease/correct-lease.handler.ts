import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { attributionDecider, attributionStreamId, bailleurFactsOf, type LeaseSignedData } from '@vigie/domain';
import { CommandPipeline, type CommandOutcome, jsonEqual } from '@vigie/event-store';
import type { WriteContext } from '../../http/write.js';
import { LeaseReferentialService } from '../lease-referential.service.js';

/** Correct a lease with its whole new version (LeaseCorrected, citing the version it fixes). */
export class CorrectLease {
  constructor(
    readonly lease: LeaseSignedData,
    readonly reason: string,
    readonly context: WriteContext,
    readonly now: Date,
  ) {}
}

@CommandHandler(CorrectLease)
export class CorrectLeaseHandler implements ICommandHandler<CorrectLease, CommandOutcome> {
  constructor(
    private readonly pipeline: CommandPipeline,
    private readonly referential: LeaseReferentialService,
  ) {}

  execute({ lease, reason, context, now }: CorrectLease): Promise<CommandOutcome> {
    return this.pipeline.handle({
      streamId: attributionStreamId(lease.bailleurId, lease.caseId),
      decider: attributionDecider,
      eventId: context.eventId,
      metadata: context.metadata,
      isRetryOf: (previous) =>
        previous.type === 'LeaseCorrected' &&
        jsonEqual(bailleurFactsOf((previous.data as { lease: object }).lease), bailleurFactsOf(lease)),
      command: async () => ({
        type: 'CorrectLease' as const,
        data: { lease, reason },
        referential: await this.referential.contextForFact(lease),
        now,
      }),
    });
  }
}
