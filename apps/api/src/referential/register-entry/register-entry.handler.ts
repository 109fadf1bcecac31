import { randomUUID } from 'node:crypto';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import {
  type EpciEntry,
  referentialDecider,
  referentialStreamId,
  type ReferentialEntries,
  type ReferentialKind,
} from '@vigie/domain';
import { CommandPipeline, type CommandOutcome } from '@vigie/event-store';
import type { WriteContext } from '../../http/write.js';
import { LeaseReferentialService } from '../../attribution/lease-referential.service.js';

/** Register (or update) an entry of the referential: the same attributes again record nothing. */
export class RegisterReferentialEntry<K extends ReferentialKind = ReferentialKind> {
  constructor(
    readonly kind: K,
    readonly id: string,
    readonly entry: ReferentialEntries[K],
    readonly context: Omit<WriteContext, 'eventId'>,
  ) {}
}

@CommandHandler(RegisterReferentialEntry)
export class RegisterReferentialEntryHandler implements ICommandHandler<RegisterReferentialEntry, CommandOutcome> {
  constructor(
    private readonly pipeline: CommandPipeline,
    private readonly referential: LeaseReferentialService,
  ) {}

  execute({ kind, id, entry, context }: RegisterReferentialEntry): Promise<CommandOutcome> {
    return this.pipeline.handle({
      streamId: referentialStreamId(kind, id),
      decider: referentialDecider,
      // A PUT is idempotent by its content (the decider records nothing for the same attributes), not by an id.
      eventId: randomUUID(),
      metadata: context.metadata,
      isRetryOf: () => false,
      command: async () => ({
        type: 'RegisterReferentialEntry' as const,
        kind,
        data: entry,
        ...(kind === 'epci' ? { otherEpcis: await this.referential.otherEpcisOf(id, (entry as EpciEntry).communes) } : {}),
      }),
    });
  }
}
