import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { attributionDecider, attributionStreamId, type LeaseSignedData } from '@vigie/domain';
import { jsonEqual } from '@vigie/event-store';
import { DecisionsService, type DecisionResult, type WriteContext } from '../../shared/decisions.service.js';
import { LeaseReferentialService } from '../lease-referential.service.js';

export class RecordSignedLeaseCommand {
  constructor(
    readonly lease: LeaseSignedData,
    readonly context: WriteContext,
    readonly now: Date,
  ) {}
}

/** Look up the referential, load the case, decide, append: nothing else. */
@CommandHandler(RecordSignedLeaseCommand)
export class RecordSignedLeaseHandler implements ICommandHandler<RecordSignedLeaseCommand, DecisionResult> {
  constructor(
    private readonly decisions: DecisionsService,
    private readonly referential: LeaseReferentialService,
  ) {}

  async execute({ lease, context, now }: RecordSignedLeaseCommand): Promise<DecisionResult> {
    return this.decisions.decide({
      streamId: attributionStreamId(lease.bailleurId, lease.caseId),
      decider: attributionDecider,
      context,
      // The stored lease also carries Vigie's link to its CAL decision: compare the bailleur's facts only.
      isRetryOf: (previous) =>
        previous.type === 'LeaseSigned' && jsonEqual({ ...(previous.data as object), calDecisionEventId: undefined }, lease),
      command: async (_state, stream) => ({
        type: 'RecordSignedLease' as const,
        data: lease,
        referential: await this.referential.contextFor(lease),
        calDecisionEventIds: stream.events.filter((event) => event.type === 'CalDecisionRecorded').map((event) => event.eventId),
        now,
      }),
    });
  }
}
