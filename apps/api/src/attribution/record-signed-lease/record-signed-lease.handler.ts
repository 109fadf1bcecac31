import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { attributionDecider, attributionStreamId, bailleurFactsOf, leaseIdentityOf, type LeaseSignedData } from '@vigie/domain';
import { CommandPipeline, type CommandOutcome, jsonEqual } from '@vigie/event-store';
import type { WriteContext } from '../../http/write.js';
import { LeaseReferentialService } from '../lease-referential.service.js';
import { SameLeasesService } from '../same-leases.service.js';

/** Record a signed lease (the counting event) on its case. */
export class RecordSignedLease {
  constructor(
    readonly lease: LeaseSignedData,
    readonly context: WriteContext,
    readonly now: Date,
    /** The bailleur confirms it is another lease than the one(s) with the same household, flat and date (`confirmeDoublon`). */
    readonly confirmDuplicate = false,
  ) {}
}

/** Look up the referential, then the pipeline: load the case, decide, append. */
@CommandHandler(RecordSignedLease)
export class RecordSignedLeaseHandler implements ICommandHandler<RecordSignedLease, CommandOutcome> {
  constructor(
    private readonly pipeline: CommandPipeline,
    private readonly referential: LeaseReferentialService,
    private readonly sameLeases: SameLeasesService,
  ) {}

  execute({ lease, context, now, confirmDuplicate }: RecordSignedLease): Promise<CommandOutcome> {
    const identity = leaseIdentityOf(lease);
    return this.pipeline.handle({
      streamId: attributionStreamId(lease.bailleurId, lease.caseId),
      decider: attributionDecider,
      eventId: context.eventId,
      metadata: context.metadata,
      // The stored lease also carries what Vigie links to it: compare the bailleur's facts only.
      isRetryOf: (previous) => previous.type === 'LeaseSigned' && jsonEqual(bailleurFactsOf(previous.data as object), lease),
      command: async () => ({
        type: 'RecordSignedLease' as const,
        data: lease,
        referential: await this.referential.contextForFact(lease),
        now,
        sameLeases: await this.sameLeases.find(identity),
        confirmDuplicate,
      }),
      condition: (command) =>
        command.type === 'RecordSignedLease' ? this.sameLeases.condition(identity, command.sameLeases) : undefined,
    });
  }
}
