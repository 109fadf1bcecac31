import { EventEmitter } from 'node:events';
import {
  BACKWARDS,
  END,
  FORWARDS,
  type AllStreamSubscription,
  type AppendStreamRequest,
  type EventData,
  KurrentDBClient,
  jsonEvent,
  streamNameFilter,
} from '@kurrent/kurrentdb-client';
import { randomUUID } from 'node:crypto';
import {
  type AppendCondition,
  type AppendOptions,
  type AppendResult,
  type EventStore,
  type ExpectedVersion,
  type NewEvent,
  type ReadStreamResult,
  type RecordedEvent,
  type StreamAppend,
  type SubscribeOptions,
  type Subscription,
  type TransactionReader,
} from '../event-store.port.js';
import { AppendConditionsUnsupportedError, EventIdConflictError, WrongExpectedVersionError } from '../event-store.errors.js';
import { assertDistinctStreams, firstFailedCondition, inRequestOrder, sortRetries } from '../append-rules.js';
import { PollingSubscription } from '../polling-subscription.js';
import {
  classifyAppendFailure,
  CONDITION_EVENT_TYPE,
  conditionGuard,
  conditionStreamName,
  encodeMetadata,
  eventStreamsPrefix,
  expectedState,
  isAfter,
  isMissingStream,
  type KurrentNaming,
  type AppendRequestPlan,
  type KurrentRecordedEvent,
  importRequests,
  importSegments,
  MARKER_EVENT_TYPE,
  markerData,
  markerStreamName,
  naming,
  readPositionAfter,
  streamIdOfMarker,
  streamName,
  toCopiedEvent,
  toRecordedEvent,
} from './kurrentdb-mapping.js';
import { type CopiedEvent, type CopyableEventLog } from '../copy-event-log.js';

export interface KurrentDBEventStoreOptions {
  /** Vigie's streams are `<prefix>-<streamId>` (default `vigie`): one server can hold several Vigie logs or other data. */
  readonly streamPrefix?: string;
  /** How often subscriptions poll when the live wake-up subscription is down (ms). */
  readonly pollIntervalMs?: number;
  /**
   * Where append conditions read their facts (AppendCondition.stillHolds queries them). Without
   * it, an append with conditions is refused (AppendConditionsUnsupportedError), never written
   * unchecked.
   */
  readonly conditionReads?: ConditionReads;
}

/**
 * The facts append conditions read, for a log outside PostgreSQL: `readerAt(position)` answers a
 * reader once those facts include every event of the log up to `position` (PostgreSQL's copy of
 * the log, kurrentdb-condition-reads.ts), or throws ConditionFactsBehindError when they do not in time.
 */
export interface ConditionReads {
  readerAt(position: number): Promise<TransactionReader>;
}

/** Events (plus as many id markers) per import append, and their data and metadata: under KurrentDB's default MaxAppendSize (1 MiB). */
const IMPORT_APPEND_LIMITS = { maxEvents: 500, maxBytes: 512 * 1_024 };

/** Reads of several streams or ids at once run this many requests side by side. */
const READ_CONCURRENCY = 16;

/**
 * The event log in KurrentDB (EventStoreDB's successor), through the official client
 * `@kurrent/kurrentdb-client`. Requires KurrentDB 25.1 or later: every append is one atomic
 * multi-stream append (the events, plus one marker stream per event id that must not exist yet, so
 * an event id is recorded once in the whole store, and `appendMany` is all or nothing).
 *
 * Global positions are KurrentDB's log positions (kurrentdb-mapping.ts); `$all` is read with a
 * server-side filter on Vigie's stream prefix. KurrentDB makes an event visible to readers only
 * once committed, in log order, so there is no gap to guard against as in PostgreSQL.
 * Subscriptions read `$all` in batches after their checkpoint (the caller keeps it, e.g. in
 * PostgreSQL with its read models) and are woken by one live catch-up subscription per store.
 */
export class KurrentDBEventStore implements EventStore, CopyableEventLog {
  private readonly names: KurrentNaming;
  private readonly pollIntervalMs: number;
  private readonly wakeUps: KurrentWakeUps;
  private readonly conditionReads: ConditionReads | undefined;

  /** Opens a store on a connection string (`kurrentdb://host:2113?tls=false`, `kurrentdb+discover://…`). */
  static connect(connectionString: string, options: KurrentDBEventStoreOptions = {}): KurrentDBEventStore {
    return new KurrentDBEventStore(KurrentDBClient.connectionString(connectionString), options);
  }

  constructor(
    private readonly client: KurrentDBClient,
    options: KurrentDBEventStoreOptions = {},
  ) {
    this.names = naming(options.streamPrefix);
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
    this.wakeUps = new KurrentWakeUps(client, eventStreamsPrefix(this.names));
    this.conditionReads = options.conditionReads;
  }

  async append(
    streamId: string,
    events: readonly NewEvent[],
    options: { expectedVersion?: ExpectedVersion } & AppendOptions = {},
  ): Promise<AppendResult> {
    const { expectedVersion, ...rest } = options;
    const [result] = await this.appendMany([{ streamId, events, expectedVersion }], rest);
    return result!;
  }

  async appendMany(appends: readonly StreamAppend[], options: AppendOptions = {}): Promise<AppendResult[]> {
    const nonEmpty = appends.filter((append) => append.events.length > 0);
    assertDistinctStreams(nonEmpty);
    const conditions = options.conditions ?? [];
    if (conditions.length > 0 && !this.conditionReads) {
      throw new AppendConditionsUnsupportedError('KurrentDB', [...new Set(conditions.map((condition) => condition.key))]);
    }
    let results: AppendResult[];
    try {
      results = await this.write(nonEmpty, conditions);
    } catch (error) {
      results = await this.resolveFailure(nonEmpty, error, conditions);
    }
    return inRequestOrder(appends, results);
  }

  /**
   * After a refused append: maybe a retry of a write that succeeded. Streams whose events are all
   * recorded identically answer with the original positions; the others are written again (and
   * fail again if they really conflict) — as the PostgreSQL adapter does.
   */
  private async resolveFailure(
    appends: readonly StreamAppend[],
    error: unknown,
    conditions: readonly AppendCondition[],
  ): Promise<AppendResult[]> {
    // A condition that no longer held (checkConditions) is a refusal like a stream that moved on.
    const failure =
      error instanceof WrongExpectedVersionError
        ? { kind: 'stale' as const, error }
        : classifyAppendFailure(this.names, error, (streamId) => expectedOf(appends, streamId));
    if (failure.kind === 'other') throw failure.error;
    const existing = await this.readEvents(appends.flatMap((append) => append.events.map((event) => event.eventId)));
    // A stream moved on and none of the events is recorded: not a retry, the refusal stands.
    if (failure.kind === 'stale' && existing.size === 0) throw failure.error;
    const { replayed, remaining } = await sortRetries(
      appends,
      existing,
      async (streamId) => (await this.readStream(streamId)).version,
    );
    if (remaining.length === 0) return replayed;
    try {
      return [...replayed, ...(await this.write(remaining, conditions))];
    } catch (retryError) {
      const retryFailure = classifyAppendFailure(this.names, retryError, (streamId) => expectedOf(appends, streamId));
      if (retryFailure.kind === 'duplicate-event-id') throw new EventIdConflictError(retryFailure.eventId);
      throw retryFailure.error;
    }
  }

  /**
   * Conditions, as the PostgreSQL adapter's advisory locks serialise them, by optimistic
   * concurrency on one guard stream per key: each key's guard is read first, then the log's head,
   * then the conditions are read again from facts that include every event up to that head (any
   * append that moved a guard read here is committed, so its events are at or below the head).
   * Returns the guard appends that go into the same atomic append as the events, each expecting
   * the guard as read: an append naming the same key that commits in between makes this one fail
   * (WrongExpectedVersionError), and the pipeline decides again. Throws WrongExpectedVersionError
   * when a condition no longer holds.
   */
  private async checkConditions(conditions: readonly AppendCondition[]): Promise<AppendStreamRequest[]> {
    if (conditions.length === 0) return [];
    const keys = [...new Set(conditions.map((condition) => condition.key))].sort();
    const revisions = await inBatches(keys, (key) => this.lastRevision(conditionStreamName(this.names, key)));
    const head = await this.readHeadPosition();
    const reader = await this.conditionReads!.readerAt(head);
    const failed = await firstFailedCondition(reader, conditions);
    if (failed) throw new WrongExpectedVersionError(`condition:${failed.key}`, 'any', -1);
    return keys.map((key, index) => {
      const guard = conditionGuard(this.names, key, revisions[index]);
      return {
        streamName: guard.streamName,
        expectedState: guard.expectedState,
        events: [jsonEvent({ id: randomUUID(), type: CONDITION_EVENT_TYPE, data: {}, metadata: {} }) as EventData],
      };
    });
  }

  /** The revision of a stream's last event, or undefined when it does not exist. */
  private async lastRevision(name: string): Promise<bigint | undefined> {
    try {
      for await (const resolved of this.client.readStream(name, { direction: BACKWARDS, fromRevision: END, maxCount: 1 })) {
        if (resolved.event) return resolved.event.revision;
      }
    } catch (error) {
      if (!isMissingStream(error)) throw error;
    }
    return undefined;
  }

  private async write(appends: readonly StreamAppend[], conditions: readonly AppendCondition[]): Promise<AppendResult[]> {
    if (appends.length === 0) return [];
    const requests: AppendStreamRequest[] = await this.checkConditions(conditions);
    for (const append of appends) {
      requests.push({
        streamName: streamName(this.names, append.streamId),
        expectedState: expectedState(append.expectedVersion),
        events: append.events.map((event) => toEventData(event)),
      });
      for (const event of append.events) {
        requests.push({
          streamName: markerStreamName(this.names, event.eventId),
          expectedState: 'no_stream',
          events: [
            jsonEvent({
              id: randomUUID(),
              type: MARKER_EVENT_TYPE,
              data: markerData(append.streamId),
              metadata: {},
            }) as EventData,
          ],
        });
      }
    }
    await this.client.multiStreamAppend(requests);
    this.wakeUps.local();
    // The append answers the commit position only: each stream's last events tell theirs.
    return Promise.all(
      appends.map(async (append) => {
        const tail = await this.readTail(append.streamId, append.events.length);
        return {
          streamId: append.streamId,
          nextExpectedVersion: tail.at(-1)!.streamVersion,
          positions: tail.map((event) => event.globalPosition),
          alreadyRecorded: false,
        };
      }),
    );
  }

  private async readTail(streamId: string, count: number): Promise<RecordedEvent[]> {
    const events: RecordedEvent[] = [];
    for await (const resolved of this.client.readStream(streamName(this.names, streamId), {
      direction: BACKWARDS,
      fromRevision: END,
      maxCount: count,
    })) {
      if (resolved.event) events.push(toRecordedEvent(this.names, resolved.event as KurrentRecordedEvent));
    }
    return events.reverse();
  }

  async readStream(streamId: string): Promise<ReadStreamResult> {
    const events: RecordedEvent[] = [];
    try {
      for await (const resolved of this.client.readStream(streamName(this.names, streamId), { direction: FORWARDS })) {
        if (resolved.event) events.push(toRecordedEvent(this.names, resolved.event as KurrentRecordedEvent));
      }
    } catch (error) {
      if (!isMissingStream(error)) throw error;
    }
    return { events, version: events.at(-1)?.streamVersion ?? 0 };
  }

  async readStreams(streamIds: readonly string[]): Promise<Map<string, ReadStreamResult>> {
    const unique = [...new Set(streamIds)];
    const results = await inBatches(unique, (streamId) => this.readStream(streamId));
    return new Map(unique.map((streamId, index) => [streamId, results[index]!]));
  }

  async readAll(after: number, limit: number): Promise<RecordedEvent[]> {
    return this.readAllAs(after, limit, (event) => toRecordedEvent(this.names, event));
  }

  /** readAll with each event's recording time as kept (an imported event's original one, to the microsecond). */
  async readForCopy(after: number, limit: number): Promise<CopiedEvent[]> {
    return this.readAllAs(after, limit, (event) => toCopiedEvent(this.names, event));
  }

  /**
   * Events copied from another store (copyEventLog), in its global order: successive atomic
   * multi-stream appends that keep that order in `$all` (importSegments), each writing the
   * events with their ids, streams, revisions and original recording time, and their id markers
   * (importRequests). An id or a revision already taken fails the append, which writes nothing.
   */
  async importEvents(events: readonly CopiedEvent[]): Promise<void> {
    for (const segment of importSegments(events, IMPORT_APPEND_LIMITS)) {
      const plans = importRequests(this.names, segment, randomUUID);
      await this.client.multiStreamAppend(
        plans.map((plan) => ({
          streamName: plan.streamName,
          expectedState: plan.expectedState,
          events: plan.events.map(eventDataOf),
        })),
      );
    }
    this.wakeUps.local();
  }

  /** KurrentDB shows committed events to readers at once, in log order: nothing to wait for. */
  async settle(): Promise<void> {}

  private async readAllAs<Event>(after: number, limit: number, map: (event: KurrentRecordedEvent) => Event): Promise<Event[]> {
    const events: Event[] = [];
    for await (const resolved of this.client.readAll({
      direction: FORWARDS,
      fromPosition: readPositionAfter(after),
      // A forward read from a position includes the event at it.
      maxCount: limit + 1,
      filter: streamNameFilter({ prefixes: [eventStreamsPrefix(this.names)] }),
    })) {
      if (!resolved.event || !isAfter(resolved.event.position, after)) continue;
      events.push(map(resolved.event as KurrentRecordedEvent));
      if (events.length === limit) break;
    }
    return events;
  }

  async readHeadPosition(): Promise<number> {
    for await (const resolved of this.client.readAll({
      direction: BACKWARDS,
      fromPosition: END,
      maxCount: 1,
      filter: streamNameFilter({ prefixes: [eventStreamsPrefix(this.names)] }),
    })) {
      if (resolved.event) return toRecordedEvent(this.names, resolved.event as KurrentRecordedEvent).globalPosition;
    }
    return 0;
  }

  /** By the event id's marker: it names the stream, which is then read (streams are one aggregate each, short). */
  async readEvent(eventId: string): Promise<RecordedEvent | undefined> {
    if (!UUID.test(eventId)) return undefined;
    let owner: string | undefined;
    try {
      for await (const resolved of this.client.readStream(markerStreamName(this.names, eventId), { maxCount: 1 })) {
        if (resolved.event) owner = streamIdOfMarker(resolved.event.data);
      }
    } catch (error) {
      if (!isMissingStream(error)) throw error;
    }
    if (owner === undefined) return undefined;
    const { events } = await this.readStream(owner);
    return events.find((event) => event.eventId.toLowerCase() === eventId.toLowerCase());
  }

  async readEvents(eventIds: readonly string[]): Promise<Map<string, RecordedEvent>> {
    const ids = [...new Set(eventIds.filter((id) => UUID.test(id)))];
    const found = await inBatches(ids, (id) => this.readEvent(id));
    const result = new Map<string, RecordedEvent>();
    ids.forEach((id, index) => {
      const event = found[index];
      if (event) result.set(id, event);
    });
    return result;
  }

  subscribe(options: SubscribeOptions): Subscription {
    return new PollingSubscription((after, limit) => this.readAll(after, limit), this.wakeUps, {
      ...options,
      pollIntervalMs: options.pollIntervalMs ?? this.pollIntervalMs,
    });
  }

  /** Wakes on every append seen by the live subscription (any process); polling remains the fallback. */
  get notifications(): KurrentWakeUps {
    return this.wakeUps;
  }

  async close(): Promise<void> {
    this.wakeUps.close();
    await this.client.dispose();
  }
}

/**
 * One live catch-up subscription to `$all` from its end, filtered on Vigie's streams, shared by
 * every reader of the process: each event it sees wakes them (they then read in batches after
 * their own checkpoint). Opened while someone listens; reopened after a drop.
 */
export class KurrentWakeUps {
  private readonly emitter = new EventEmitter();
  private subscription: AllStreamSubscription | undefined;
  private listeners = 0;
  private closed = false;

  constructor(
    private readonly client: KurrentDBClient,
    private readonly prefix: string,
  ) {
    this.emitter.setMaxListeners(0);
  }

  /** An append made by this process: wake its readers at once. */
  local(): void {
    this.emitter.emit('appended');
  }

  onAppended(wake: () => void): () => void {
    this.emitter.on('appended', wake);
    this.listeners += 1;
    this.open();
    return () => {
      this.emitter.off('appended', wake);
      this.listeners -= 1;
      if (this.listeners === 0) this.drop();
    };
  }

  private open(): void {
    if (this.subscription || this.closed) return;
    const subscription = this.client.subscribeToAll({
      fromPosition: END,
      filter: streamNameFilter({ prefixes: [this.prefix] }),
    });
    subscription.on('data', () => this.emitter.emit('appended'));
    subscription.on('error', () => {
      // Readers keep polling meanwhile; try again shortly.
      if (this.subscription === subscription) this.subscription = undefined;
      if (!this.closed && this.listeners > 0) setTimeout(() => this.open(), 1_000).unref();
    });
    this.subscription = subscription;
  }

  private drop(): void {
    const subscription = this.subscription;
    this.subscription = undefined;
    void subscription?.unsubscribe().catch(() => undefined);
  }

  close(): void {
    this.closed = true;
    this.drop();
    this.emitter.removeAllListeners();
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function toEventData(event: NewEvent): EventData {
  return eventDataOf({
    id: event.eventId,
    type: event.type,
    data: event.data,
    metadata: encodeMetadata(event.metadata, event.schemaVersion ?? 1),
  });
}

function eventDataOf(event: AppendRequestPlan['events'][number]): EventData {
  return jsonEvent({
    id: event.id,
    type: event.type,
    data: JSON.parse(JSON.stringify(event.data ?? null)) as Record<string, unknown>,
    metadata: event.metadata,
  }) as EventData;
}

function expectedOf(appends: readonly StreamAppend[], streamId: string): ExpectedVersion | undefined {
  return appends.find((append) => append.streamId === streamId)?.expectedVersion;
}

async function inBatches<T, R>(items: readonly T[], read: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let start = 0; start < items.length; start += READ_CONCURRENCY) {
    results.push(...(await Promise.all(items.slice(start, start + READ_CONCURRENCY).map(read))));
  }
  return results;
}
