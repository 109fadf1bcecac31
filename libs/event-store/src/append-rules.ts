import {
  type AppendCondition,
  type AppendResult,
  type NewEvent,
  type RecordedEvent,
  type StreamAppend,
  type TransactionReader,
} from './event-store.port.js';
import { EventIdConflictError } from './event-store.errors.js';
import { jsonEqual } from './json-equal.js';

/**
 * Whether a recorded event is the one a retry sends again: same stream, type and data (as JSON
 * would carry them). Every adapter answers a retry with the original positions when it is, and
 * refuses the event id (EventIdConflictError) when it is not.
 */
export function sameEvent(recorded: RecordedEvent, streamId: string, event: NewEvent): boolean {
  return (
    recorded.streamId === streamId &&
    recorded.type === event.type &&
    jsonEqual(recorded.data, JSON.parse(JSON.stringify(event.data)))
  );
}

/** One appendMany names each stream once (its events go in one list). */
export function assertDistinctStreams(appends: readonly StreamAppend[]): void {
  const seen = new Set<string>();
  for (const append of appends) {
    if (seen.has(append.streamId)) throw new Error(`Stream ${append.streamId} appears twice in one appendMany`);
    seen.add(append.streamId);
  }
}

/**
 * After a refused append (an event id already recorded, or a stream moved on): which streams are
 * a retry of a write that succeeded (every event recorded identically: answered with the original
 * positions, `versionOf` their stream's version) and which must be written again (none of their
 * events recorded). Throws EventIdConflictError when an id names other content, or when only some
 * of a stream's events are recorded.
 */
export async function sortRetries(
  appends: readonly StreamAppend[],
  existing: ReadonlyMap<string, RecordedEvent>,
  versionOf: (streamId: string) => Promise<number>,
): Promise<{ replayed: AppendResult[]; remaining: StreamAppend[] }> {
  const replayed: AppendResult[] = [];
  const remaining: StreamAppend[] = [];
  for (const append of appends) {
    const found = append.events.map((event) => existing.get(event.eventId));
    found.forEach((recorded, index) => {
      if (recorded && !sameEvent(recorded, append.streamId, append.events[index]!)) {
        throw new EventIdConflictError(recorded.eventId);
      }
    });
    if (found.every((recorded) => recorded !== undefined)) {
      replayed.push({
        streamId: append.streamId,
        nextExpectedVersion: await versionOf(append.streamId),
        positions: found.map((recorded) => recorded!.globalPosition),
        alreadyRecorded: true,
      });
    } else if (found.some((recorded) => recorded !== undefined)) {
      throw new EventIdConflictError(found.find((recorded) => recorded !== undefined)!.eventId);
    } else {
      remaining.push(append);
    }
  }
  return { replayed, remaining };
}

/** Results in the order of the request; a stream without events answers version -1 and no position. */
export function inRequestOrder(appends: readonly StreamAppend[], results: readonly AppendResult[]): AppendResult[] {
  const byStream = new Map(results.map((result) => [result.streamId, result]));
  return appends.map(
    (append) =>
      byStream.get(append.streamId) ?? {
        streamId: append.streamId,
        nextExpectedVersion: -1,
        positions: [],
        alreadyRecorded: false,
      },
  );
}

/**
 * Reads every condition again through `reader` (together, in one call, where conditions share
 * `checkTogether`): the first that no longer holds, or null when all hold. Every adapter checks
 * conditions this way, each under its own serialisation of appends naming the same key.
 */
export async function firstFailedCondition(
  reader: TransactionReader,
  conditions: readonly AppendCondition[],
): Promise<AppendCondition | null> {
  const together = new Map<NonNullable<AppendCondition['checkTogether']>, AppendCondition[]>();
  for (const condition of conditions) {
    if (!condition.checkTogether) {
      if (!(await condition.stillHolds(reader))) return condition;
      continue;
    }
    together.set(condition.checkTogether, [...(together.get(condition.checkTogether) ?? []), condition]);
  }
  for (const [check, group] of together) {
    const failed = await check(reader, group);
    if (failed.length) return failed[0]!;
  }
  return null;
}
