import { createHash } from 'node:crypto';
import { type EventMetadata, type ExpectedVersion, type RecordedEvent } from '../event-store.port.js';
import { type CopiedEvent } from '../copy-event-log.js';
import { WrongExpectedVersionError } from '../event-store.errors.js';

/**
 * Pure translation between Vigie's event-store port and KurrentDB's model (no I/O, no client
 * instance): stream names, revisions, positions, metadata and errors. The adapter
 * (kurrentdb-event-store.ts) only moves data through these functions, so each rule is tested
 * here without a server (kurrentdb-mapping.unit.spec.ts).
 */

/** A KurrentDB log position: `commit` and `prepare` are byte offsets in the transaction file. */
export interface KurrentPosition {
  readonly commit: bigint;
  readonly prepare: bigint;
}

/** What the client hands back for one recorded event (a structural subset of its RecordedEvent). */
export interface KurrentRecordedEvent {
  readonly streamId: string;
  readonly id: string;
  readonly revision: bigint;
  readonly type: string;
  readonly created: Date;
  readonly data: unknown;
  readonly metadata: unknown;
  readonly position?: KurrentPosition;
}

/** Vigie streams live under one prefix: `<prefix>-<streamId>`; event-id markers under `<prefix>~event-<eventId>`. */
export interface KurrentNaming {
  readonly prefix: string;
}

export const DEFAULT_STREAM_PREFIX = 'vigie';

const PREFIX = /^[A-Za-z0-9_.]+$/;

/** Checks a configured prefix: letters, digits, `_` and `.` only (never `$`: system streams). */
export function naming(prefix: string = DEFAULT_STREAM_PREFIX): KurrentNaming {
  if (!PREFIX.test(prefix)) {
    throw new Error(`KurrentDB stream prefix "${prefix}": only letters, digits, "_" and "." are allowed`);
  }
  return { prefix };
}

/** KurrentDB stream name of a Vigie stream. */
export function streamName(names: KurrentNaming, streamId: string): string {
  if (streamId.length === 0) throw new Error('An empty stream id has no KurrentDB stream');
  return `${names.prefix}-${streamId}`;
}

/** The Vigie stream id of a KurrentDB stream name, or undefined for a stream Vigie did not write. */
export function streamIdOf(names: KurrentNaming, name: string): string | undefined {
  const head = `${names.prefix}-`;
  return name.startsWith(head) && name.length > head.length ? name.slice(head.length) : undefined;
}

/** Filter prefix that selects Vigie's event streams in `$all` (markers and other tenants' streams excluded). */
export function eventStreamsPrefix(names: KurrentNaming): string {
  return `${names.prefix}-`;
}

/**
 * The marker stream of an event id. Every append writes, in the same atomic multi-stream append,
 * one marker per event with the expected state `no_stream`: an event id can then be recorded once
 * in the whole store (KurrentDB itself only deduplicates ids within a stream, best effort), and a
 * lookup by id reads the marker to find the event's stream.
 */
export function markerStreamName(names: KurrentNaming, eventId: string): string {
  return `${names.prefix}~event-${eventId.toLowerCase()}`;
}

export function isMarkerStream(names: KurrentNaming, name: string): boolean {
  return name.startsWith(`${names.prefix}~event-`);
}

export const MARKER_EVENT_TYPE = 'VigieEventIdRecorded';

/** What a marker holds: the stream of the event it stands for. */
export function markerData(streamId: string): { readonly streamId: string } {
  return { streamId };
}

export function streamIdOfMarker(data: unknown): string {
  const streamId = (data as { streamId?: unknown } | null)?.streamId;
  if (typeof streamId !== 'string') throw new Error('KurrentDB event-id marker without a stream id');
  return streamId;
}

/**
 * The guard stream of an append condition's key (AppendCondition): `<prefix>~condition-<SHA-256
 * of the key, hex>` (a key may hold any character; a stream name of fixed length and alphabet).
 * An append with conditions reads each key's guard, then checks the conditions, then appends one
 * event to each guard with the expected state it read, in the same atomic multi-stream append as
 * its events: of two appends naming the same key, the second to commit fails and is decided again.
 */
export function conditionStreamName(names: KurrentNaming, key: string): string {
  return `${names.prefix}~condition-${createHash('sha256').update(key).digest('hex')}`;
}

export function isConditionStream(names: KurrentNaming, name: string): boolean {
  return name.startsWith(`${names.prefix}~condition-`);
}

export const CONDITION_EVENT_TYPE = 'VigieConditionChecked';

/** A guard as read before the conditions were checked: appended to with that state expected. */
export function conditionGuard(
  names: KurrentNaming,
  key: string,
  lastRevision: bigint | undefined,
): { readonly streamName: string; readonly expectedState: bigint | 'no_stream' } {
  return { streamName: conditionStreamName(names, key), expectedState: lastRevision ?? 'no_stream' };
}

/** The port's expected version (event count) as KurrentDB's expected state (revision of the last event, 0-based). */
export function expectedState(expected: ExpectedVersion | undefined): 'any' | 'no_stream' | bigint {
  if (expected === undefined || expected === 'any') return 'any';
  if (expected === 'no_stream' || expected === 0) return 'no_stream';
  if (!Number.isInteger(expected) || expected < 0) throw new Error(`Invalid expected version ${String(expected)}`);
  return BigInt(expected - 1);
}

/** A KurrentDB revision (0-based) as the port's stream version (1-based: the event count up to it). */
export function streamVersionOf(revision: bigint): number {
  return Number(revision) + 1;
}

/** KurrentDB's current stream state (revision or `no_stream`) as an event count. */
export function eventCountOf(state: unknown): number {
  if (typeof state === 'bigint') return state < 0n ? 0 : Number(state) + 1;
  if (typeof state === 'number') return state < 0 ? 0 : state + 1;
  return 0;
}

/**
 * The port's global position of a KurrentDB event. Since the implicit transactions of
 * EventStoreDB 20 and KurrentDB, every event's commit and prepare positions are both the log
 * position of its own record, so one number orders `$all` exactly. Positions from explicit
 * transactions (commit ≠ prepare, only in logs written by EventStoreDB before 20.6 through the TCP
 * API) and offsets beyond 2^53 are refused rather than misordered.
 */
export function globalPositionOf(position: KurrentPosition | undefined): number {
  if (!position) throw new Error('KurrentDB event without a log position');
  if (position.commit !== position.prepare) {
    throw new Error(
      `KurrentDB position commit ${position.commit} ≠ prepare ${position.prepare}: events of an explicit transaction are not supported`,
    );
  }
  if (position.commit > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new Error(`KurrentDB position ${position.commit} is beyond 2^53: not representable as a global position`);
  }
  return Number(position.commit);
}

/**
 * Where to start reading `$all` to get the events after a global position. A forward read from a
 * position includes the event at it, so the adapter drops events at or below `after` (see
 * `isAfter`); 0 is the start of the log.
 */
export function readPositionAfter(after: number): 'start' | KurrentPosition {
  if (!Number.isSafeInteger(after) || after < 0) throw new Error(`Invalid global position ${after}`);
  if (after === 0) return 'start';
  const at = BigInt(after);
  return { commit: at, prepare: at };
}

export function isAfter(position: KurrentPosition | undefined, after: number): boolean {
  return globalPositionOf(position) > after;
}

const SCHEMA_VERSION_KEY = 'vigie.schemaVersion';
const METADATA_KEY = 'vigie.metadata';
const RECORDED_AT_KEY = 'vigie.recordedAt';

/**
 * Metadata as KurrentDB's multi-stream append takes it: a flat map of strings. The whole port
 * metadata travels as one JSON string (so nested values and numbers survive), the schema version
 * beside it, for an event copied from another store its original recording time (KurrentDB
 * stamps `created` itself and takes no other), and the correlation and causation ids also under KurrentDB's own `$correlationId` /
 * `$causationId` keys, which its system projections and UI understand.
 */
export function encodeMetadata(metadata: EventMetadata, schemaVersion: number, recordedAt?: string): Record<string, string> {
  const encoded: Record<string, string> = {
    [METADATA_KEY]: JSON.stringify(metadata),
    [SCHEMA_VERSION_KEY]: String(schemaVersion),
  };
  // Only events copied from another store (importRequests): their original recording time.
  if (recordedAt !== undefined) encoded[RECORDED_AT_KEY] = recordedAt;
  if (typeof metadata.correlationId === 'string') encoded.$correlationId = metadata.correlationId;
  if (typeof metadata.causationId === 'string') encoded.$causationId = metadata.causationId;
  return encoded;
}

/**
 * Reads back what `encodeMetadata` wrote, as the client returns it: a parsed JSON object or raw
 * bytes. Throws on metadata Vigie did not write (no `vigie.metadata` entry).
 */
export function decodeMetadata(raw: unknown): { metadata: EventMetadata; schemaVersion: number; recordedAt?: string } {
  const object = asObject(raw);
  const encoded = object?.[METADATA_KEY];
  if (typeof encoded !== 'string') throw new Error('KurrentDB event without Vigie metadata');
  const metadata = JSON.parse(encoded) as EventMetadata;
  const schemaVersion = Number(object?.[SCHEMA_VERSION_KEY] ?? 1);
  if (!Number.isInteger(schemaVersion) || schemaVersion < 1) throw new Error(`Invalid schema version ${String(schemaVersion)}`);
  const recordedAt = object?.[RECORDED_AT_KEY];
  if (recordedAt === undefined) return { metadata, schemaVersion };
  if (typeof recordedAt !== 'string' || Number.isNaN(Date.parse(recordedAt))) {
    throw new Error(`Invalid recording time ${String(recordedAt)}`);
  }
  return { metadata, schemaVersion, recordedAt };
}

function asObject(raw: unknown): Record<string, unknown> | undefined {
  if (raw instanceof Uint8Array) {
    if (raw.length === 0) return undefined;
    return asObject(JSON.parse(Buffer.from(raw).toString('utf8')) as unknown);
  }
  if (typeof raw === 'string') return asObject(JSON.parse(raw) as unknown);
  if (raw && typeof raw === 'object' && !Array.isArray(raw)) return raw as Record<string, unknown>;
  return undefined;
}

/** Event data as recorded: the client parses JSON events; bytes are parsed here. */
export function decodeData(raw: unknown): unknown {
  if (raw instanceof Uint8Array) return JSON.parse(Buffer.from(raw).toString('utf8')) as unknown;
  return raw;
}

/**
 * A KurrentDB event of a Vigie stream as the port's recorded event. Its recording time is the
 * original one for an event copied from another store (`vigie.recordedAt`), else KurrentDB's own.
 */
export function toRecordedEvent(names: KurrentNaming, event: KurrentRecordedEvent): RecordedEvent {
  const { recordedAtExact: _exact, ...recorded } = toCopiedEvent(names, event);
  return recorded;
}

/** As `toRecordedEvent`, with the recording time also as text at the precision it was kept (copyEventLog). */
export function toCopiedEvent(names: KurrentNaming, event: KurrentRecordedEvent): CopiedEvent {
  const streamId = streamIdOf(names, event.streamId);
  if (streamId === undefined) throw new Error(`KurrentDB stream ${event.streamId} is not a Vigie stream`);
  const { metadata, schemaVersion, recordedAt } = decodeMetadata(event.metadata);
  const recordedAtExact = recordedAt ?? event.created.toISOString();
  return {
    globalPosition: globalPositionOf(event.position),
    streamId,
    streamVersion: streamVersionOf(event.revision),
    eventId: event.id,
    type: event.type,
    schemaVersion,
    data: decodeData(event.data),
    metadata,
    recordedAt: recordedAt === undefined ? event.created : new Date(recordedAt),
    recordedAtExact,
  };
}

/** One stream's part of a multi-stream append, before the client turns each event into its EventData. */
export interface AppendRequestPlan {
  readonly streamName: string;
  readonly expectedState: 'any' | 'no_stream' | bigint;
  readonly events: readonly {
    readonly id: string;
    readonly type: string;
    readonly data: unknown;
    readonly metadata: Record<string, string>;
  }[];
}

/**
 * Splits events copied from another store, in its global order, into successive multi-stream
 * appends that keep that order in `$all`. KurrentDB writes one append's streams one after the
 * other, each stream once, so an append holds contiguous runs of distinct streams: the next event
 * of a stream already in the append, after another stream's, starts the next append. At most
 * `maxEvents` per append, and about `maxBytes` of data and metadata (JSON characters; one event
 * larger than that goes alone): KurrentDB bounds an append's size (MaxAppendSize, 1 MiB by default).
 */
export function importSegments<Event extends { readonly streamId: string; readonly data: unknown; readonly metadata: unknown }>(
  events: readonly Event[],
  limits: { readonly maxEvents: number; readonly maxBytes: number },
): Event[][] {
  const segments: Event[][] = [];
  let current: Event[] = [];
  let bytes = 0;
  let streams = new Set<string>();
  for (const event of events) {
    const size = JSON.stringify(event.data ?? null).length + JSON.stringify(event.metadata).length;
    const continuesRun = current.at(-1)?.streamId === event.streamId;
    const full = current.length >= limits.maxEvents || (current.length > 0 && bytes + size > limits.maxBytes);
    if (full || (!continuesRun && streams.has(event.streamId))) {
      segments.push(current);
      current = [];
      bytes = 0;
      streams = new Set();
    }
    current.push(event);
    bytes += size;
    streams.add(event.streamId);
  }
  if (current.length) segments.push(current);
  return segments;
}

/**
 * What one import append writes (one segment of `importSegments`): each stream's run with its
 * original event ids, types, data, metadata, schema version and recording time, expecting the
 * stream to hold exactly the events before the run (so its revisions are the source's, and a run
 * written twice is refused), then one marker per event id expecting `no_stream`, as every append
 * of the adapter writes them.
 */
export function importRequests(names: KurrentNaming, segment: readonly CopiedEvent[], newId: () => string): AppendRequestPlan[] {
  const runs: CopiedEvent[][] = [];
  for (const event of segment) {
    const run = runs.at(-1);
    if (run && run[0]!.streamId === event.streamId) {
      if (event.streamVersion !== run.at(-1)!.streamVersion + 1) {
        throw new Error(`Stream ${event.streamId}: version ${event.streamVersion} does not follow ${run.at(-1)!.streamVersion}`);
      }
      run.push(event);
    } else runs.push([event]);
  }
  const streams: AppendRequestPlan[] = runs.map((run) => ({
    streamName: streamName(names, run[0]!.streamId),
    expectedState: expectedState(run[0]!.streamVersion - 1),
    events: run.map((event) => ({
      id: event.eventId,
      type: event.type,
      data: event.data,
      metadata: encodeMetadata(event.metadata, event.schemaVersion, event.recordedAtExact),
    })),
  }));
  const markers: AppendRequestPlan[] = segment.map((event) => ({
    streamName: markerStreamName(names, event.eventId),
    expectedState: 'no_stream',
    events: [{ id: newId(), type: MARKER_EVENT_TYPE, data: markerData(event.streamId), metadata: {} }],
  }));
  return [...streams, ...markers];
}

/** What the client's error carries (a structural subset of its CommandError). */
interface KurrentError {
  readonly type?: unknown;
  readonly streamName?: unknown;
  readonly actualState?: unknown;
}

export type AppendFailure =
  | { readonly kind: 'duplicate-event-id'; readonly eventId: string }
  | { readonly kind: 'stale'; readonly error: WrongExpectedVersionError }
  | { readonly kind: 'other'; readonly error: unknown };

/**
 * A failed append in the port's terms: a wrong expected version on a marker stream is an event id
 * already recorded (resolved by the caller: retry or conflict); on an event stream it is the
 * port's WrongExpectedVersionError (409 at the API) with the stream's actual event count.
 * Anything else (unavailable server, access denied…) passes through unchanged.
 */
export function classifyAppendFailure(
  names: KurrentNaming,
  error: unknown,
  expectedOf: (streamId: string) => ExpectedVersion | undefined,
): AppendFailure {
  const failure = error as KurrentError | null;
  if (failure?.type !== 'wrong-expected-version' || typeof failure.streamName !== 'string') return { kind: 'other', error };
  const name = failure.streamName;
  if (isMarkerStream(names, name)) return { kind: 'duplicate-event-id', eventId: name.slice(`${names.prefix}~event-`.length) };
  // Another append naming the same condition key committed first: lost to a concurrent writer.
  if (isConditionStream(names, name))
    return { kind: 'stale', error: new WrongExpectedVersionError(`condition:${name}`, 'any', -1) };
  const streamId = streamIdOf(names, name) ?? name;
  return {
    kind: 'stale',
    error: new WrongExpectedVersionError(streamId, expectedOf(streamId) ?? 'any', eventCountOf(failure.actualState)),
  };
}

/** Whether a read failed only because the stream does not exist (an empty stream for the port). */
export function isMissingStream(error: unknown): boolean {
  const type = (error as KurrentError | null)?.type;
  return type === 'stream-not-found' || type === 'no-stream';
}
