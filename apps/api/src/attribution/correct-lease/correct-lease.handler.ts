import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { attributionDecider, attributionStreamId, bailleurFactsOf, leaseIdentityOf, type LeaseSignedData } from '@vigie/domain';
import { CommandPipeline, type CommandOutcome, jsonEqual } from '@vigie/event-store';
import type { WriteContext } from '../../http/write.js';
import { LeaseReferentialService } from '../lease-referential.service.js';
import { SameLeasesService } from '../same-leases.service.js';

/** Correct a lease with its whole new version (LeaseCorrected, citing the version it fixes). */
export class CorrectLease {
  constructor(
    readonly lease: LeaseSignedData,
    readonly reason: string,
    readonly context: WriteContext,
    readonly now: Date,
    /** The bailleur confirms the corrected lease is another lease than the one(s) with its household, flat and date (`confirmeDoublon`). */
    readonly confirmDuplicate = false,
  ) {}
}

@CommandHandler(CorrectLease)
export class CorrectLeaseHandler implements ICommandHandler<CorrectLease, CommandOutcome> {
  constructor(
    private readonly pipeline: CommandPipeline,
    private readonly referential: LeaseReferentialService,
    private readonly sameLeases: SameLeasesService,
  ) {}

  execute({ lease, reason, context, now, confirmDuplicate }: CorrectLease): Promise<CommandOutcome> {
    const identity = leaseIdentityOf(lease);
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
        sameLeases: await this.sameLeases.find(identity),
        confirmDuplicate,
      }),
      // Race-safe as for a new lease: the same leases read again under a lock on the identity.
      condition: (command) =>
        command.type === 'CorrectLease' ? this.sameLeases.condition(identity, command.sameLeases) : undefined,
    });
  }
}
