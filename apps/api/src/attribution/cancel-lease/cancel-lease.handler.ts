import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { attributionDecider, attributionStreamId, type CancelLease as CancelLeaseIntent } from '@vigie/domain';
import { CommandPipeline, type CommandOutcome, jsonEqual } from '@vigie/event-store';
import type { WriteContext } from '../../http/write.js';

/** Cancel a lease: it stops counting from then on (LeaseCancelled, citing the event it cancels). */
export class CancelLease {
  constructor(
    readonly intent: CancelLeaseIntent['data'],
    readonly context: WriteContext,
  ) {}
}

@CommandHandler(CancelLease)
export class CancelLeaseHandler implements ICommandHandler<CancelLease, CommandOutcome> {
  constructor(private readonly pipeline: CommandPipeline) {}

  execute({ intent, context }: CancelLease): Promise<CommandOutcome> {
    return this.pipeline.handle({
      streamId: attributionStreamId(intent.bailleurId, intent.caseId),
      decider: attributionDecider,
      eventId: context.eventId,
      metadata: context.metadata,
      isRetryOf: (previous) =>
        previous.type === 'LeaseCancelled' && jsonEqual({ ...(previous.data as object), cancelsEventId: undefined }, intent),
      command: () => ({ type: 'CancelLease' as const, data: intent }),
    });
  }
}
