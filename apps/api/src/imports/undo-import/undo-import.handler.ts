import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { attributionDecider, attributionStreamId, isDomainError } from '@vigie/domain';
import { CommandPipeline, uuidFromText } from '@vigie/event-store';
import type { DatabasePool } from '@vigie/postgres';
import { DATABASE_POOL } from '../../platform/platform.module.js';
import type { Writer } from '../../http/write.js';

/**
 * Take an import back: cancel every lease it recorded (one `LeaseCancelled` per lease, citing the
 * import in its reason and metadata), through the command pipeline like any cancellation. With
 * `dryRun`, the same answer and nothing written: what the undo would do, to check first.
 */
export class UndoImport {
  constructor(
    readonly importId: string,
    readonly reason: string,
    readonly writer: Writer,
    readonly dryRun: boolean,
  ) {}
}

export interface UndoImportReport {
  readonly importId: string;
  readonly dryRun: boolean;
  /** Leases the import recorded. */
  readonly leases: number;
  /** Cancelled now (or, in a preview, that would be). */
  readonly cancelled: number;
  /** Cancelled by an earlier undo of this import (sending the undo again changes nothing). */
  readonly alreadyCancelled: number;
  /** No longer current (cancelled otherwise since): nothing to cancel. */
  readonly noLongerCurrent: number;
  /** CAL decisions and refusals the import recorded: they have no cancellation event and stay. */
  readonly otherFactsKept: number;
}

const CHUNK = 1_000;

@CommandHandler(UndoImport)
export class UndoImportHandler implements ICommandHandler<UndoImport, UndoImportReport> {
  constructor(
    @Inject(DATABASE_POOL) private readonly pool: DatabasePool,
    private readonly pipeline: CommandPipeline,
  ) {}

  async execute({ importId, reason, writer, dryRun }: UndoImport): Promise<UndoImportReport> {
    const { rows } = await this.pool.query<{
      event_id: string;
      event_type: string;
      lease_id: string;
      case_id: string;
      bailleur_id: string;
    }>(
      `SELECT event_id, event_type, data->>'leaseId' AS lease_id, data->>'caseId' AS case_id, data->>'bailleurId' AS bailleur_id
         FROM events WHERE metadata->>'importId' = $1 AND metadata->>'source' = 'import' ORDER BY global_position`,
      [importId],
    );
    const leases = rows.filter((row) => row.event_type === 'LeaseSigned');
    const counts = { cancelled: 0, alreadyCancelled: 0, noLongerCurrent: 0 };
    for (let start = 0; start < leases.length; start += CHUNK) {
      const chunk = leases.slice(start, start + CHUNK);
      const outcomes = await this.pipeline.handleBatch(
        chunk.map((lease) => ({
          streamId: attributionStreamId(lease.bailleur_id, lease.case_id),
          decider: attributionDecider,
          // One id per (import, lease): undoing twice records nothing twice.
          eventId: uuidFromText(`vigie-import-undo|${importId}|${lease.event_id}`),
          metadata: { actor: writer.actor, correlationId: writer.correlationId, source: 'import-undo', importId },
          isRetryOf: (previous) =>
            previous.type === 'LeaseCancelled' && (previous.data as { leaseId?: string }).leaseId === lease.lease_id,
          command: () => ({
            type: 'CancelLease' as const,
            data: {
              bailleurId: lease.bailleur_id,
              caseId: lease.case_id,
              leaseId: lease.lease_id,
              reason: `Annulation de l’import ${importId} : ${reason}`,
            },
          }),
        })),
        { dryRun },
      );
      for (const result of outcomes) {
        if (result.ok) {
          if (result.outcome.alreadyRecorded) counts.alreadyCancelled += 1;
          else counts.cancelled += 1;
        } else if (isDomainError(result.error) && result.error.code === 'LEASE_NOT_FOUND') {
          counts.noLongerCurrent += 1;
        } else {
          throw result.error;
        }
      }
    }
    return { importId, dryRun, leases: leases.length, ...counts, otherFactsKept: rows.length - leases.length };
  }
}
