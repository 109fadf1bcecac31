/**
 * The event log: the single source of truth. Storage-agnostic; adapters live beside it
 * (PostgreSQL by default). Nothing here knows about housing.
 */

/** `no_stream`: the stream must be empty; a number: the stream must hold exactly that many events. */
export type ExpectedVersion = number | 'no_stream' | 'any';

export interface EventMetadata {
  /** Who made the write (principal id); recorded on every event. */
  readonly actor: string;
  readonly correlationId?: string;
  readonly causationId?: string;
  /** Channel the fact came through: `api`, `import`, `system`… */
  readonly source?: string;
  readonly [key: string]: unknown;
}

export interface NewEvent<Type extends string = string, Data = unknown> {
  /** Client-supplied id: the same id twice is one event. */
  readonly eventId: string;
  readonly type: Type;
  readonly schemaVersion?: number;
  readonly data: Data;
  readonly metadata: EventMetadata;
}

export interface RecordedEvent<Type extends string = string, Data = unknown> {
  readonly globalPosition: number;
  readonly streamId: string;
  readonly streamVersion: number;
  readonly eventId: string;
  readonly type: Type;
  readonly schemaVersion: number;
  readonly data: Data;
  readonly metadata: EventMetadata;
  readonly recordedAt: Date;
}

export interface StreamAppend {
  readonly streamId: string;
  readonly events: readonly NewEvent[];
  readonly expectedVersion?: ExpectedVersion;
}

/** Reads inside an append's own transaction (the adapter's connection). */
export interface TransactionReader {
  query<Row>(text: string, values?: readonly unknown[]): Promise<{ readonly rows: Row[] }>;
}

/**
 * A condition a write was decided on beyond its own stream (e.g. no lease of another stream with
 * the same identity). Appends naming the same key are serialised (a lock held until commit), and
 * `stillHolds` reads the facts again under that lock, inside the append's transaction, before any
 * event is inserted: when it no longer holds, nothing is written and the append fails as one lost
 * to a concurrent writer (WrongExpectedVersionError), so the pipeline decides again on the facts
 * as they now stand.
 */
export interface AppendCondition {
  readonly key: string;
  readonly stillHolds: (reader: TransactionReader) => Promise<boolean>;
  /**
   * Conditions of one append that share this function are read again together, in one call
   * (e.g. one query for a whole import chunk instead of one per row): it answers those that no
   * longer hold (none: all hold). Without it, each condition's `stillHolds` is called.
   */
  readonly checkTogether?: (
    reader: TransactionReader,
    conditions: readonly AppendCondition[],
  ) => Promise<readonly AppendCondition[]>;
}

export interface AppendOptions {
  readonly conditions?: readonly AppendCondition[];
}

export interface AppendResult {
  readonly streamId: string;
  /** Version of the stream after the append (its event count). */
  readonly nextExpectedVersion: number;
  /** Global positions of the appended events, in order. */
  readonly positions: readonly number[];
  /** True when every event was already recorded with the same content: nothing was written. */
  readonly alreadyRecorded: boolean;
}

export interface ReadStreamResult {
  readonly events: readonly RecordedEvent[];
  /** Event count of the stream; 0 when it does not exist. */
  readonly version: number;
}

export interface Subscription {
  /** Position of the last event handed to the handler. */
  readonly position: number;
  stop(): Promise<void>;
}

export interface SubscribeOptions {
  /** Deliver events strictly after this global position. */
  readonly after: number;
  readonly batchSize?: number;
  readonly handler: (events: readonly RecordedEvent[]) => Promise<void>;
  readonly onError?: (error: unknown) => void;
  /** Fallback polling when no notification arrives (ms); the store's default otherwise. */
  readonly pollIntervalMs?: number;
}

export interface EventStore {
  append(
    streamId: string,
    events: readonly NewEvent[],
    options?: { expectedVersion?: ExpectedVersion } & AppendOptions,
  ): Promise<AppendResult>;
  /** Appends to several streams in one transaction: all or nothing. */
  appendMany(appends: readonly StreamAppend[], options?: AppendOptions): Promise<AppendResult[]>;
  readStream(streamId: string): Promise<ReadStreamResult>;
  /** Several streams in one read (a bulk import loads a chunk's cases at once); absent streams are empty. */
  readStreams(streamIds: readonly string[]): Promise<Map<string, ReadStreamResult>>;
  /** Events after a global position, in position order, never skipping one that commits late. */
  readAll(after: number, limit: number): Promise<RecordedEvent[]>;
  /** Highest global position a reader can see now (gap-safe). */
  readHeadPosition(): Promise<number>;
  readEvent(eventId: string): Promise<RecordedEvent | undefined>;
  /** Several events by id in one read (a batch checks which of its facts are already recorded); absent ids are left out. */
  readEvents(eventIds: readonly string[]): Promise<Map<string, RecordedEvent>>;
  subscribe(options: SubscribeOptions): Subscription;
}

export const EVENT_STORE = Symbol('EventStore');
