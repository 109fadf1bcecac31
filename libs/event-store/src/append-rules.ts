import { type NewEvent, type RecordedEvent, type StreamAppend } from './event-store.port.js';
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
