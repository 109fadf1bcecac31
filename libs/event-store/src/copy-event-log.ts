import { createHash } from 'node:crypto';
import { type RecordedEvent } from './event-store.port.js';
import { jsonEqual } from './json-equal.js';

/**
 * Moving the event log from one store to another (PostgreSQL ⇄ KurrentDB, or PostgreSQL →
 * PostgreSQL): `copyEventLog` reads the source's global order in pages and writes every event to
 * the target as it was recorded, then checks both sides. The port appends new facts (the store
 * stamps their time and position); a copy needs a narrow import path beside it, which each store
 * provides: `readForCopy` and `importEvents` (CopyableEventLog).
 */

/** A recorded event as the copy moves it: its recording time also as ISO 8601 text at the precision the store kept. */
export interface CopiedEvent extends RecordedEvent {
  /** PostgreSQL keeps microseconds, which a Date drops: `2026-03-15T10:00:00.123456Z`. */
  readonly recordedAtExact: string;
}

/** What the copy needs of a store, each end: both stores implement it beside the EventStore port. */
export interface CopyableEventLog {
  /** Highest global position a reader can see now (the port's readHeadPosition). */
  readHeadPosition(): Promise<number>;
  /** The port's readAll (gap-safe, in global order), with the exact recording times. */
  readForCopy(after: number, limit: number): Promise<CopiedEvent[]>;
  /**
   * Writes events recorded elsewhere, given in the source's global order and following what the
   * store already holds, as they were: event ids, streams, stream versions, types, schema
   * versions, data, metadata and recording times. All or nothing; an event id already recorded,
   * or a stream version already taken, fails the whole call and writes nothing.
   */
  importEvents(events: readonly CopiedEvent[]): Promise<void>;
  /**
   * Resolves once every event committed before the call is visible to readForCopy. PostgreSQL's
   * gap-safe reads hold back events committed after a transaction still open anywhere on the
   * server: the copy would stop short of the source's last events, or miss what the target holds.
   */
  settle(): Promise<void>;
}

export interface CopyProgress {
  /** Source events read so far (already on the target or copied). */
  readonly read: number;
  /** Of them, written by this run. */
  readonly copied: number;
  /** Of them, found already on the target (an earlier, interrupted run). */
  readonly alreadyOnTarget: number;
  /** Global position (in the source) of the last event read, and the source's head when the copy began. */
  readonly position: number;
  readonly head: number;
  readonly elapsedMs: number;
}

export interface LogSide {
  readonly events: number;
  /** SHA-256 (hex) of the event ids in global order, one per line: equal on both sides when the order is. */
  readonly idsChecksum: string;
}

export interface CopyReport {
  /** Events the target held before this run (a prefix of the source), and events this run wrote. */
  readonly alreadyOnTarget: number;
  readonly copied: number;
  /** The source's head when the copy began: the copy holds everything up to it. */
  readonly sourceHead: number;
  readonly elapsedMs: number;
  readonly verification: CopyVerification;
}

export interface CopyVerification {
  readonly source: LogSide;
  readonly target: LogSide;
  /** The first event that differs (index in global order from 0, and how), or undefined when every event is equal. */
  readonly firstDifference?: string;
  readonly ok: boolean;
}

export interface CopyOptions {
  /** Events read and written per page (one import call each); default 1 000. */
  readonly pageSize?: number;
  readonly onProgress?: (progress: CopyProgress) => void;
}

/**
 * The target holds events that are not the beginning of the source's log: copying would mix two
 * logs. Nothing is written.
 */
export class DivergentTargetError extends Error {
  constructor(
    readonly index: number,
    readonly detail: string,
  ) {
    super(
      `La cible n'est pas vide et ne reprend pas le début du journal source : ${detail}. ` +
        `Rien n'a été écrit. Copier vers un journal vide (nouvelle base PostgreSQL, ou autre préfixe de flux KurrentDB), ` +
        `ou reprendre une copie interrompue de cette même source. / ` +
        `The target is not empty and is not a prefix of the source log: ${detail}. Nothing was written. ` +
        `Copy into an empty log (a new PostgreSQL database, or another KurrentDB stream prefix), ` +
        `or resume an interrupted copy of this same source.`,
    );
    this.name = 'DivergentTargetError';
  }
}

/**
 * Copies the source's log, up to its head when the copy begins (once every event committed by
 * then is visible: `settle`), to the target, in the same
 * global order, keeping every event's id, stream, version, type, schema version, data, metadata
 * and recording time (positions are the target's own: PostgreSQL keeps the source's, KurrentDB
 * hands out its log positions).
 *
 * Resumable: the target must be empty or hold a prefix of the source (an interrupted run); that
 * prefix is compared event by event, field by field, and skipped, and the copy goes on after it,
 * so an event is never written twice (each page is one all-or-nothing import, and a store refuses
 * an event id it holds). A target that is not a prefix is refused (DivergentTargetError) before
 * anything is written. Ends with a verification of both sides (`verifyCopy`).
 */
export async function copyEventLog(
  source: CopyableEventLog,
  target: CopyableEventLog,
  options: CopyOptions = {},
): Promise<CopyReport> {
  const pageSize = options.pageSize ?? 1_000;
  const started = Date.now();
  // Every event committed to the source so far is copied: none held back from its readers.
  await source.settle();
  const sourceHead = await source.readHeadPosition();
  await target.settle();
  const targetEvents = eventsOf(target, Number.MAX_SAFE_INTEGER, pageSize);
  let read = 0;
  let copied = 0;
  let alreadyOnTarget = 0;
  let position = 0;
  let pending: CopiedEvent[] = [];
  let targetDone = false;
  let reported = '';
  const report = () => {
    if (reported === `${read}/${copied}`) return;
    reported = `${read}/${copied}`;
    options.onProgress?.({ read, copied, alreadyOnTarget, position, head: sourceHead, elapsedMs: Date.now() - started });
  };

  for await (const event of eventsOf(source, sourceHead, pageSize)) {
    if (!targetDone) {
      const onTarget = await targetEvents.next();
      if (onTarget.done) targetDone = true;
      else {
        const difference = differenceOf(event, onTarget.value);
        if (difference) throw new DivergentTargetError(read, `event #${read + 1}: ${difference}`);
        alreadyOnTarget += 1;
      }
    }
    if (targetDone) pending.push(event);
    read += 1;
    position = event.globalPosition;
    if (pending.length >= pageSize) {
      await target.importEvents(pending);
      copied += pending.length;
      pending = [];
      report();
    } else if (read % pageSize === 0) report();
  }
  if (!targetDone && !(await targetEvents.next()).done) {
    throw new DivergentTargetError(read, `the target holds more events than the source's ${read}`);
  }
  if (pending.length) {
    await target.importEvents(pending);
    copied += pending.length;
  }
  report();
  await target.settle();
  const verification = await verifyCopy(source, target, { sourceHead, pageSize });
  return { alreadyOnTarget, copied, sourceHead, elapsedMs: Date.now() - started, verification };
}

/**
 * Reads both sides (the source up to `sourceHead`, the whole target) in global order: their event
 * counts, a checksum of their ids in order, and whether every event is equal field by field
 * (id, stream, version, type, schema version, data, metadata, recording time to the millisecond).
 */
export async function verifyCopy(
  source: CopyableEventLog,
  target: CopyableEventLog,
  options: { readonly sourceHead: number; readonly pageSize?: number },
): Promise<CopyVerification> {
  const pageSize = options.pageSize ?? 1_000;
  const sourceSide = new SideSummary();
  const targetSide = new SideSummary();
  const sourceEvents = eventsOf(source, options.sourceHead, pageSize);
  const targetEvents = eventsOf(target, Number.MAX_SAFE_INTEGER, pageSize);
  let firstDifference: string | undefined;
  for (let index = 0; ; index += 1) {
    const [fromSource, fromTarget] = await Promise.all([sourceEvents.next(), targetEvents.next()]);
    if (fromSource.done && fromTarget.done) break;
    if (!fromSource.done) sourceSide.add(fromSource.value);
    if (!fromTarget.done) targetSide.add(fromTarget.value);
    if (firstDifference !== undefined) continue;
    if (fromSource.done) firstDifference = `event #${index + 1}: on the target only (id ${fromTarget.value!.eventId})`;
    else if (fromTarget.done) firstDifference = `event #${index + 1}: missing on the target (id ${fromSource.value.eventId})`;
    else {
      const difference = differenceOf(fromSource.value, fromTarget.value);
      if (difference) firstDifference = `event #${index + 1}: ${difference}`;
    }
  }
  const sourceSummary = sourceSide.summary();
  const targetSummary = targetSide.summary();
  return {
    source: sourceSummary,
    target: targetSummary,
    ...(firstDifference === undefined ? {} : { firstDifference }),
    ok:
      firstDifference === undefined &&
      sourceSummary.events === targetSummary.events &&
      sourceSummary.idsChecksum === targetSummary.idsChecksum,
  };
}

/** How an event on the target differs from the source's at the same place in the global order, or undefined. */
export function differenceOf(source: CopiedEvent, target: CopiedEvent): string | undefined {
  if (source.eventId.toLowerCase() !== target.eventId.toLowerCase()) {
    return `id ${target.eventId} on the target, ${source.eventId} in the source`;
  }
  const at = `event ${source.eventId}`;
  if (source.streamId !== target.streamId)
    return `${at}: stream ${target.streamId} on the target, ${source.streamId} in the source`;
  if (source.streamVersion !== target.streamVersion) {
    return `${at}: version ${target.streamVersion} on the target, ${source.streamVersion} in the source`;
  }
  if (source.type !== target.type) return `${at}: type ${target.type} on the target, ${source.type} in the source`;
  if (source.schemaVersion !== target.schemaVersion) return `${at}: schema version differs`;
  if (!jsonEqual(source.data, target.data)) return `${at}: data differ`;
  if (!jsonEqual(source.metadata, target.metadata)) return `${at}: metadata differ`;
  // To the millisecond, the port's precision: a log's copy made through the port (the read side's
  // copy of a KurrentDB log) is a prefix of that log; this tool itself keeps the microseconds.
  if (microsecondsOf(source.recordedAtExact) / 1_000n !== microsecondsOf(target.recordedAtExact) / 1_000n) {
    return `${at}: recorded at ${target.recordedAtExact} on the target, ${source.recordedAtExact} in the source`;
  }
  return undefined;
}

/** An ISO 8601 UTC time as microseconds since the epoch (whatever the digits of its fraction). */
export function microsecondsOf(iso: string): bigint {
  const match = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:?\d\d)$/.exec(iso);
  if (!match) throw new Error(`Not an ISO 8601 time: ${iso}`);
  const seconds = BigInt(Date.parse(`${match[1]}${match[3]}`)) / 1_000n;
  return seconds * 1_000_000n + BigInt((match[2] ?? '').padEnd(6, '0').slice(0, 6));
}

class SideSummary {
  private readonly hash = createHash('sha256');
  private events = 0;

  add(event: CopiedEvent): void {
    this.hash.update(`${event.eventId.toLowerCase()}\n`);
    this.events += 1;
  }

  summary(): LogSide {
    return { events: this.events, idsChecksum: this.hash.digest('hex') };
  }
}

/** A log's events in global order up to `head`, read a page at a time. */
async function* eventsOf(log: CopyableEventLog, head: number, pageSize: number): AsyncGenerator<CopiedEvent> {
  let after = 0;
  for (;;) {
    const page = await log.readForCopy(after, pageSize);
    for (const event of page) {
      if (event.globalPosition > head) return;
      yield event;
    }
    if (page.length < pageSize) return;
    after = page.at(-1)!.globalPosition;
  }
}

/**
 * One progress line for an operator: events read (copied, already there) out of the estimated
 * total, rate and time left. The total and the time left are estimated from the position reached
 * in the source's log (its head is known, its event count is not without reading it all).
 */
export function progressLine(progress: CopyProgress): string {
  const fraction = progress.head > 0 ? Math.min(1, progress.position / progress.head) : 1;
  const seconds = Math.max(0.001, progress.elapsedMs / 1_000);
  const rate = progress.read / seconds;
  const total = fraction > 0 ? Math.round(progress.read / fraction) : progress.read;
  const eta = fraction > 0 ? Math.round((seconds * (1 - fraction)) / fraction) : undefined;
  return (
    `copy-log: ${progress.read} / ~${total} events (${Math.floor(fraction * 100)} %; ` +
    `${progress.copied} copied, ${progress.alreadyOnTarget} already on the target), ` +
    `${Math.round(rate)} ev/s, ETA ${eta === undefined ? '?' : `${eta} s`}`
  );
}

/** The verification as an operator reads it, one line per side and the verdict. */
export function verificationLines(verification: CopyVerification): string[] {
  const { source, target } = verification;
  return [
    `source: ${source.events} events, sha256 of ids in order ${source.idsChecksum}`,
    `target: ${target.events} events, sha256 of ids in order ${target.idsChecksum}`,
    verification.ok
      ? `OK: same events in the same order, every one equal (id, stream, version, type, schema version, data, metadata, recording time)`
      : `DIFFÉRENCE / MISMATCH: ${verification.firstDifference ?? 'counts or ids differ'}`,
  ];
}
