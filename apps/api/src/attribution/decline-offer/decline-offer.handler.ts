import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { attributionDecider, attributionStreamId, type OfferDeclined } from '@vigie/domain';
import { CommandPipeline, type CommandOutcome, jsonEqual } from '@vigie/event-store';
import type { WriteContext } from '../../http/write.js';

/** The household the CAL chose declined the flat: it can no longer sign a lease on this case. */
export class DeclineOffer {
  constructor(
    readonly refusal: OfferDeclined['data'],
    readonly context: WriteContext,
    readonly now: Date,
  ) {}
}

@CommandHandler(DeclineOffer)
export class DeclineOfferHandler implements ICommandHandler<DeclineOffer, CommandOutcome> {
  constructor(private readonly pipeline: CommandPipeline) {}

  execute({ refusal, context, now }: DeclineOffer): Promise<CommandOutcome> {
    return this.pipeline.handle({
      streamId: attributionStreamId(refusal.bailleurId, refusal.caseId),
      decider: attributionDecider,
      eventId: context.eventId,
      metadata: context.metadata,
      isRetryOf: (previous) => previous.type === 'OfferDeclined' && jsonEqual(previous.data, refusal),
      command: () => ({ type: 'DeclineOffer' as const, data: refusal, now }),
    });
  }
}
