import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import {
  type AttributionCommand,
  attributionDecider,
  type AttributionEvent,
  type AttributionState,
  isDomainError,
  type LeaseSignedData,
} from '@vigie/domain';
import { CommandPipeline, type CommandRequest, uuidFromText } from '@vigie/event-store';
import type { DatabasePool } from '@vigie/postgres';
import { DATABASE_POOL } from '../../platform/platform.module.js';
import type { Writer } from '../../http/write.js';

/**
 * Take an import back, lease by lease, through the command pipeline like any write:
 * - a lease the import recorded is cancelled (`LeaseCancelled` citing the import and the reason),
 *   even when someone corrected it since: without the import it would not exist (said in its line);
 * - a lease the import corrected is corrected back to the version it had before the import
 *   (`LeaseCorrected` citing the import and the reason);
 * - a lease the import cancelled is signed again as it stood before the import (`LeaseSigned` of
 *   that version: it counts again, on its own lease date);
 * - a lease changed since the import by another record (corrected, cancelled, another lease on the
 *   case) is left as it is and its line says why: the undo never overwrites a later fact.
 * CAL decisions and refusals have no cancellation event: they stay, counted. With `dryRun`, the
 * same answer and nothing written. Each undo event's id derives from the import and the lease, so
 * an undo sent twice records nothing the second time.
 */
export class UndoImport {
  constructor(
    readonly importId: string,
    readonly reason: string,
    readonly writer: Writer,
    readonly dryRun: boolean,
  ) {}
}

/** What the undo does to one lease the import touched. */
export type UndoAction = 'annuler' | 'revenir_a_la_version_precedente' | 'retablir';
/**
 * `fait` (or `a_faire` in a preview); `deja_fait`: by an earlier undo of this import; `sans_objet`:
 * nothing left to do (cancelled otherwise since, or already as it was); `impossible`: changed since by
 * another record, left as it is.
 */
export type UndoOutcome = 'fait' | 'a_faire' | 'deja_fait' | 'sans_objet' | 'impossible';

export interface UndoLeaseLine {
  readonly bailleurId: string;
  readonly caseId: string;
  readonly leaseId: string;
  readonly action: UndoAction;
  readonly outcome: UndoOutcome;
  /** French, for the bailleur. */
  readonly message: string;
}

export interface UndoImportReport {
  readonly importId: string;
  readonly dryRun: boolean;
  /** Leases the import recorded. */
  readonly leases: number;
  /** Of those, cancelled now (or, in a preview, that would be). */
  readonly cancelled: number;
  /** Cancelled by an earlier undo of this import (sending the undo again changes nothing). */
  readonly alreadyCancelled: number;
  /** No longer current (cancelled otherwise since): nothing to cancel. */
  readonly noLongerCurrent: number;
  /** Leases recorded before the import that it corrected or cancelled. */
  readonly changedLeases: number;
  /** Of those, put back as they stood before the import now (or, in a preview, that would be). */
  readonly restored: number;
  /** Put back by an earlier undo of this import. */
  readonly alreadyRestored: number;
  /** Changed since the import by another record: left as they are (see `lines`). */
  readonly notRestorable: number;
  /** CAL decisions and refusals the import recorded: they have no cancellation event and stay. */
  readonly otherFactsKept: number;
  /** One line per lease the import touched, in the order of the file (at most 10 000). */
  readonly lines: readonly UndoLeaseLine[];
}

const CHUNK = 1_000;
const MAX_LINES = 10_000;

interface StoredEvent {
  readonly event_id: string;
  readonly event_type: AttributionEvent['type'];
  readonly stream_id: string;
  readonly stream_version: number;
  readonly data: AttributionEvent['data'];
  readonly import_id: string | null;
}

/** The lease an event is about (a correction's is inside its new version); null for CAL decisions and refusals. */
function leaseOf(
  event: Pick<StoredEvent, 'event_type' | 'data'>,
): { leaseId: string; bailleurId: string; caseId: string } | null {
  switch (event.event_type) {
    case 'LeaseSigned':
    case 'LeaseCancelled':
      return event.data as { leaseId: string; bailleurId: string; caseId: string };
    case 'LeaseCorrected':
      return (event.data as { lease: LeaseSignedData }).lease;
    default:
      return null;
  }
}

/** A lease the import touched, with every event of its case's stream. */
interface Touched {
  readonly streamId: string;
  readonly bailleurId: string;
  readonly caseId: string;
  readonly leaseId: string;
  /** The import's events on this lease, in log order. */
  readonly imported: StoredEvent[];
}

/** What to do to one lease: a command for the pipeline, or a line already known. */
type Plan =
  | { readonly line: UndoLeaseLine }
  | {
      readonly action: UndoAction;
      readonly command: AttributionCommand;
      readonly eventId: string;
      readonly isRetry: (type: string, data: unknown) => boolean;
      readonly note: string;
    };

@CommandHandler(UndoImport)
export class UndoImportHandler implements ICommandHandler<UndoImport, UndoImportReport> {
  constructor(
    @Inject(DATABASE_POOL) private readonly pool: DatabasePool,
    private readonly pipeline: CommandPipeline,
  ) {}

  async execute({ importId, reason, writer, dryRun }: UndoImport): Promise<UndoImportReport> {
    const { rows } = await this.pool.query<StoredEvent>(
      `SELECT event_id, event_type, stream_id, stream_version, data, metadata->>'importId' AS import_id
         FROM events WHERE metadata->>'importId' = $1 AND metadata->>'source' = 'import' ORDER BY global_position`,
      [importId],
    );
    const touched = new Map<string, Touched>();
    let otherFactsKept = 0;
    for (const row of rows) {
      const lease = leaseOf(row);
      if (!lease) {
        otherFactsKept += 1;
        continue;
      }
      const key = `${row.stream_id}|${lease.leaseId}`;
      const entry = touched.get(key) ?? { streamId: row.stream_id, ...lease, imported: [] };
      entry.imported.push(row);
      touched.set(key, entry);
    }
    const counts = {
      leases: 0,
      cancelled: 0,
      alreadyCancelled: 0,
      noLongerCurrent: 0,
      changedLeases: 0,
      restored: 0,
      alreadyRestored: 0,
      notRestorable: 0,
    };
    const lines: UndoLeaseLine[] = [];
    const fullReason = `Annulation de l’import ${importId} : ${reason}`;
    const metadata = { actor: writer.actor, correlationId: writer.correlationId, source: 'import-undo', importId };
    const all = [...touched.values()];
    for (let start = 0; start < all.length; start += CHUNK) {
      const chunk = all.slice(start, start + CHUNK);
      const streams = await this.streams([...new Set(chunk.map((lease) => lease.streamId))]);
      const plans = chunk.map((lease) => planUndo(lease, streams.get(lease.streamId) ?? [], importId, fullReason));
      const requests: CommandRequest<unknown, { type: string; data: unknown }, unknown>[] = [];
      const planned: number[] = [];
      plans.forEach((plan, index) => {
        if ('line' in plan) return;
        planned.push(index);
        requests.push({
          streamId: chunk[index]!.streamId,
          decider: attributionDecider as never,
          eventId: plan.eventId,
          metadata,
          isRetryOf: (previous) => plan.isRetry(previous.type, previous.data),
          command: () => plan.command,
        });
      });
      const outcomes = await this.pipeline.handleBatch(requests, { dryRun });
      const decided = new Map(planned.map((index, i) => [index, outcomes[i]!]));
      plans.forEach((plan, index) => {
        const lease = chunk[index]!;
        const where = { bailleurId: lease.bailleurId, caseId: lease.caseId, leaseId: lease.leaseId };
        let line: UndoLeaseLine;
        if ('line' in plan) line = plan.line;
        else {
          const result = decided.get(index)!;
          if (result.ok) {
            const { alreadyRecorded, recorded } = result.outcome;
            line = alreadyRecorded
              ? { ...where, action: plan.action, outcome: 'deja_fait', message: ALREADY[plan.action] }
              : recorded
                ? {
                    ...where,
                    action: plan.action,
                    outcome: dryRun ? 'a_faire' : 'fait',
                    message: `${DONE[plan.action]}${plan.note}`,
                  }
                : { ...where, action: plan.action, outcome: 'sans_objet', message: 'Le bail est déjà tel qu’avant l’import.' };
          } else if (isDomainError(result.error) && ['LEASE_NOT_FOUND', 'LEASE_CHANGED_SINCE'].includes(result.error.code)) {
            // Changed between the read and the write: as if seen changed.
            line = { ...where, action: plan.action, outcome: 'impossible', message: CHANGED_SINCE };
          } else {
            throw result.error;
          }
        }
        count(counts, line);
        if (lines.length < MAX_LINES) lines.push(line);
      });
    }
    return { importId, dryRun, ...counts, otherFactsKept, lines };
  }

  /** Every event of the streams, in stream order. */
  private async streams(streamIds: string[]): Promise<Map<string, StoredEvent[]>> {
    const { rows } = await this.pool.query<StoredEvent>(
      `SELECT event_id, event_type, stream_id, stream_version, data,
              CASE WHEN metadata->>'source' = 'import' THEN metadata->>'importId' END AS import_id
         FROM events WHERE stream_id = ANY($1::text[]) ORDER BY stream_id, stream_version`,
      [streamIds],
    );
    const byStream = new Map<string, StoredEvent[]>();
    for (const row of rows) byStream.set(row.stream_id, [...(byStream.get(row.stream_id) ?? []), row]);
    return byStream;
  }
}

const DONE: Record<UndoAction, string> = {
  annuler: 'Bail enregistré par l’import : annulé.',
  revenir_a_la_version_precedente: 'Bail corrigé par l’import : remis dans sa version d’avant l’import (par une correction).',
  retablir: 'Bail annulé par l’import : rétabli dans sa version d’avant l’import, il compte de nouveau.',
};
const ALREADY: Record<UndoAction, string> = {
  annuler: 'Déjà annulé par une annulation précédente de cet import.',
  revenir_a_la_version_precedente: 'Déjà remis dans sa version d’avant l’import par une annulation précédente de cet import.',
  retablir: 'Déjà rétabli par une annulation précédente de cet import.',
};
const CHANGED_SINCE =
  'Bail modifié depuis l’import par un autre enregistrement (correction, annulation ou nouveau bail sur le dossier) : laissé tel quel ; corrigez-le si besoin (POST /v1/leases/{leaseId}/corrections ou ligne correction_bail).';

function count(counts: Record<string, number>, line: UndoLeaseLine): void {
  if (line.action === 'annuler') {
    counts.leases! += 1;
    if (line.outcome === 'fait' || line.outcome === 'a_faire') counts.cancelled! += 1;
    else if (line.outcome === 'deja_fait') counts.alreadyCancelled! += 1;
    else counts.noLongerCurrent! += 1;
    return;
  }
  counts.changedLeases! += 1;
  if (line.outcome === 'fait' || line.outcome === 'a_faire') counts.restored! += 1;
  else if (line.outcome === 'deja_fait') counts.alreadyRestored! += 1;
  else if (line.outcome === 'impossible') counts.notRestorable! += 1;
}

/** The state of a case after its events (the attribution decider's own fold). */
function stateOf(events: readonly StoredEvent[]): AttributionState {
  return events.reduce(
    (state, event) =>
      attributionDecider.evolve(state, {
        type: event.event_type,
        data: event.data,
        eventId: event.event_id,
        streamVersion: event.stream_version,
      } as never),
    attributionDecider.initialState,
  );
}

/**
 * What the undo does to one lease, decided on its case's events as read: cancel the lease the import
 * recorded; put back the version a lease had before the import's first correction or cancellation of
 * it, unless another record changed it since.
 */
function planUndo(lease: Touched, stream: readonly StoredEvent[], importId: string, reason: string): Plan {
  const { bailleurId, caseId, leaseId } = lease;
  const where = { bailleurId, caseId, leaseId };
  const first = lease.imported[0]!;
  const signed = lease.imported.find((event) => event.event_type === 'LeaseSigned');
  const state = stateOf(stream);
  const current = state.status === 'open' ? null : state.lease;
  const isThisLease = current?.leaseId === leaseId && current.bailleurId === bailleurId && current.caseId === caseId;
  const ofThisLease = (event: StoredEvent) => leaseOf(event)?.leaseId === leaseId;
  // Lease facts on the case after the import's first one, recorded otherwise than by this import.
  const firstIndex = stream.findIndex((event) => event.event_id === first.event_id);
  const others = stream
    .slice(firstIndex + 1)
    .filter(
      (event) =>
        event.import_id !== importId && leaseOf(event) !== null && (ofThisLease(event) || event.event_type === 'LeaseSigned'),
    );
  if (signed) {
    // The id an undo gave this cancellation from the start: one per (import, lease event).
    const eventId = uuidFromText(`vigie-import-undo|${importId}|${signed.event_id}`);
    const correctedSince = others.some((event) => event.event_type === 'LeaseCorrected');
    if (!(state.status === 'leased' && isThisLease) && !stream.some((event) => event.event_id === eventId))
      return {
        line: {
          ...where,
          action: 'annuler',
          outcome: 'sans_objet',
          message: 'Déjà annulé depuis l’import par un autre enregistrement : rien à annuler.',
        },
      };
    return {
      action: 'annuler',
      command: { type: 'CancelLease', data: { ...where, reason } },
      eventId,
      isRetry: (type, data) => type === 'LeaseCancelled' && (data as { leaseId?: string }).leaseId === leaseId,
      note: correctedSince
        ? ' Il avait été corrigé depuis l’import par un autre enregistrement : annulé quand même, il n’existerait pas sans l’import.'
        : '',
    };
  }
  const action: UndoAction =
    lease.imported.at(-1)!.event_type === 'LeaseCancelled' ? 'retablir' : 'revenir_a_la_version_precedente';
  const eventId = uuidFromText(`vigie-import-undo|${importId}|${lease.streamId}|${leaseId}`);
  if (stream.some((event) => event.event_id === eventId))
    return { line: { ...where, action, outcome: 'deja_fait', message: ALREADY[action] } };
  // The version the import replaced or cancelled first.
  const replaced =
    first.event_type === 'LeaseCorrected'
      ? (first.data as { correctsEventId: string }).correctsEventId
      : (first.data as { cancelsEventId: string }).cancelsEventId;
  const versionEvent = stream.find((event) => event.event_id === replaced);
  if (others.length || !isThisLease || !versionEvent || !state.leaseEventId)
    return { line: { ...where, action, outcome: 'impossible', message: CHANGED_SINCE } };
  const version = (
    versionEvent.event_type === 'LeaseCorrected' ? (versionEvent.data as { lease: LeaseSignedData }).lease : versionEvent.data
  ) as LeaseSignedData;
  return {
    action,
    command: {
      type: 'RestoreLease',
      data: { version, expected: { status: state.status as 'leased' | 'cancelled', eventId: state.leaseEventId }, reason },
    },
    eventId,
    isRetry: (type, data) =>
      (type === 'LeaseSigned' || type === 'LeaseCorrected') &&
      leaseOf({ event_type: type, data: data as never })?.leaseId === leaseId,
    note: '',
  };
}
