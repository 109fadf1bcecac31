import { randomUUID } from 'node:crypto';
import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import {
  type EpciEntry,
  type QpvEntry,
  type RecordedLeaseRef,
  referentialDecider,
  referentialStreamId,
  type ReferentialEntries,
  type ReferentialKind,
  type ReferentialState,
  type ReservataireEntry,
} from '@vigie/domain';
import { CommandPipeline, type CommandOutcome } from '@vigie/event-store';
import { readConventionIdsOf, readLeasesNaming } from '@vigie/projections';
import { TerritorialReferential } from '@vigie/referential';
import type { WriteContext } from '../../http/write.js';
import { LeaseReferentialService } from '../../attribution/lease-referential.service.js';
import { DATABASE_POOL, type DatabasePool } from '../../platform/platform.module.js';

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
    private readonly territorial: TerritorialReferential,
    @Inject(DATABASE_POOL) private readonly pool: DatabasePool,
  ) {}

  execute({ kind, id, entry, context }: RegisterReferentialEntry): Promise<CommandOutcome> {
    return this.pipeline.handle({
      streamId: referentialStreamId(kind, id),
      decider: referentialDecider,
      // A PUT is idempotent by its content (the decider records nothing for the same attributes), not by an id.
      eventId: randomUUID(),
      metadata: context.metadata,
      isRetryOf: () => false,
      command: async (state) => ({
        type: 'RegisterReferentialEntry' as const,
        kind,
        data: entry,
        ...(kind === 'epci'
          ? {
              otherEpcis: await this.referential.otherEpcisOf(id, (entry as EpciEntry).communes),
              official: this.territorial.epci(id)?.communes ?? null,
            }
          : {}),
        ...(await this.recordedLeases(kind, id, entry, state)),
      }),
    });
  }

  /**
   * The leases recorded so far that the change may not contradict, when it could contradict any:
   * a new version of a QPV or an EPCI, a new kind for a registered réservataire. Read from
   * the compliance read model and the lease events it has not applied yet (readLeasesNaming); a
   * lease whose append is still in flight while the change is decided is not seen.
   */
  private async recordedLeases(
    kind: ReferentialKind,
    id: string,
    entry: ReferentialEntries[ReferentialKind],
    state: ReferentialState,
  ): Promise<{ recordedLeases?: RecordedLeaseRef[]; conventionIds?: string[] }> {
    // Leases name an EPCI before it is registered (its official composition counts then); a QPV or a réservataire, never.
    if (kind === 'bailleur' || (state.entry === null && kind !== 'epci')) return {};
    if (kind === 'reservataire' && (state.entry as ReservataireEntry).kind === (entry as ReservataireEntry).kind) return {};
    // A version changes nothing before its first day: only the leases dated from it on are read.
    const from = kind === 'reservataire' ? null : ((entry as EpciEntry | QpvEntry).validFrom ?? null);
    const [leases, conventionIds] = await Promise.all([
      readLeasesNaming(this.pool, kind, id, from),
      kind === 'reservataire' ? readConventionIdsOf(this.pool, id) : undefined,
    ]);
    return {
      ...(conventionIds ? { conventionIds } : {}),
      recordedLeases: leases.map((lease) => ({
        ...lease,
        membershipCommune: this.territorial.commune(lease.communeInsee)?.membershipCommune ?? lease.communeInsee,
      })),
    };
  }
}
