import { Pool, type PoolClient } from 'pg';
import {
  type AppendCondition,
  type AppendOptions,
  type AppendResult,
  type EventMetadata,
  type EventStore,
  type ExpectedVersion,
  type NewEvent,
  type ReadStreamResult,
  type RecordedEvent,
  type StreamAppend,
  type SubscribeOptions,
  type Subscription,
} from '../event-store.port.js';
import { EventIdConflictError, WrongExpectedVersionError } from '../event-store.errors.js';
import { assertDistinctStreams, firstFailedCondition, inRequestOrder, sortRetries } from '../append-rules.js';
import { APPEND_ORDER_LOCK, EVENTS_CHANNEL } from './event-store.migrations.js';
import { PostgresEventNotifier } from './postgres-event-notifier.js';
import { PollingSubscription } from '../polling-subscription.js';
import { type CopiedEvent, type CopyableEventLog } from '../copy-event-log.js';
import { copyIntoEventsTable } from './log-copy.js';

/**
 * Appends run vigie_append (event-store.migrations.ts), which takes a session-level advisory
 * lock before the transaction gets an xid and releases it once the events are inserted,
 * before COMMIT. So transaction ids and global positions are handed out in the same order,
 * while commits (and their fsync) still overlap. Readers take the gap-safe prefix of the log
 * (`gapSafeSql`): a late commit is never skipped.
 */
/**
 * SQL (the body of a WITH list, without WITH) naming `gap_safe(global_position)`: the positions of
 * the next events after the position `after` (an SQL expression) that a reader may take, at most
 * `limit` (an SQL expression) of them, in the statement's snapshot. A position is taken when every
 * position between `after` and it is either visible (committed) or a hole that no transaction will
 * ever fill:
 *
 * - Positions come from one sequence under the append ordering lock, so a committed transaction's
 *   positions follow one another and the visible positions that follow one another from `after`
 *   leave nothing out: they are taken as soon as they are committed, whatever else is running.
 * - A hole (a position never visible: its append rolled back, or is still in flight) is passed
 *   only when the transaction of the event after it is below the snapshot's xmin. The hole's
 *   transaction got its id before that one (same lock), so it has finished: rolled back, or
 *   committed and visible, which a hole is not.
 *
 * Only holes wait for older transactions, not every event: a transaction open anywhere on the
 * server (a projection writing its tables, another database's session) no longer holds back the
 * events committed after it began, as readers of `tx_id < xmin` alone were.
 */
export function gapSafeSql(after: string, limit: string): string {
  return `next AS MATERIALIZED (
      SELECT global_position, tx_id, lag(global_position) OVER (ORDER BY global_position) AS previous
      FROM (SELECT global_position, tx_id FROM events WHERE global_position > ${after} ORDER BY global_position LIMIT ${limit}) AS n
    ), gap_safe AS MATERIALIZED (
      SELECT global_position FROM next
      WHERE global_position < coalesce(
        (SELECT min(global_position) FROM next
          WHERE global_position <> coalesce(previous, ${after}) + 1 AND tx_id >= pg_snapshot_xmin(pg_current_snapshot())),
        ${Number.MAX_SAFE_INTEGER})
    )`;
}

/**
 * The last position gap-safe reads may take now (0 on an empty log): the gap-safe prefix from the
 * later of the last event below the snapshot's xmin and `knownSafe` (an SQL expression: a position
 * the caller knows gap-safe, such as a reader's checkpoint or a head read before: once gap-safe, a
 * position stays so; capped by the log's last position, for a log emptied and started again in
 * tests), looked at over at most `window` events past it (a longer run gives the window's end,
 * which readers move past batch by batch).
 *
 * Two statements: the walk's start is a parameter of the second, so that PostgreSQL plans it as
 * the index range it is. As a subquery, a value unknown when it plans, it made the walk a scan of
 * a third of the table (46–54 ms at 1 000 000 events on every freshness read).
 */
export async function readGapSafeHead(
  db: Pick<Pool, 'query'> | PoolClient,
  knownSafe = '0',
  params: readonly unknown[] = [],
  window = 100_000,
): Promise<number> {
  const { rows: start } = await db.query<{ position: string }>(
    `SELECT greatest(
       (SELECT coalesce(max(global_position), 0) FROM events WHERE tx_id < pg_snapshot_xmin(pg_current_snapshot())),
       least(${knownSafe}, (SELECT coalesce(max(global_position), 0) FROM events))
     ) AS position`,
    [...params],
  );
  const from = Number(start[0]?.position ?? 0);
  const { rows } = await db.query<{ head: string | null }>(
    `WITH ${gapSafeSql('$1::bigint', '$2::bigint')} SELECT max(global_position) AS head FROM gap_safe`,
    [from, window],
  );
  return Math.max(from, Number(rows[0]?.head ?? 0));
}

const APPEND_STATEMENT = 'SELECT versions, positions FROM vigie_append($1, $2, $3, $4)';

interface EventRow {
  global_position: string;
  stream_id: string;
  stream_version: number;
  event_id: string;
  event_type: string;
  schema_version: number;
  data: unknown;
  metadata: EventMetadata;
  recorded_at: Date;
}

const EVENT_COLUMNS =
  'global_position, stream_id, stream_version, event_id, event_type, schema_version, data, metadata, recorded_at';

function toRecordedEvent(row: EventRow): RecordedEvent {
  return {
    globalPosition: Number(row.global_position),
    streamId: row.stream_id,
    streamVersion: row.stream_version,
    eventId: row.event_id,
    type: row.event_type,
    schemaVersion: row.schema_version,
    data: row.data,
    metadata: row.metadata,
    recordedAt: row.recorded_at,
  };
}

export interface AppendHooks extends AppendOptions {
  /** Called after the events are inserted and the ordering lock released, before COMMIT (tests hold it open). */
  readonly beforeCommit?: () => Promise<void>;
}

/** Class id of the transaction advisory locks that serialise appends naming the same condition key. */
export const APPEND_CONDITION_LOCK = 7_355_603;

export interface PostgresEventStoreOptions {
  /** How often subscriptions poll when no notification arrives (ms). */
  readonly pollIntervalMs?: number;
}

type AppendOutcome =
  | { kind: 'appended'; results: AppendResult[] }
  | { kind: 'duplicate'; eventId: string }
  | { kind: 'stale'; error: WrongExpectedVersionError };

interface WaitingAppend {
  readonly appends: readonly StreamAppend[];
  readonly resolve: (outcome: AppendOutcome) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Appends in flight at once before the next ones wait to go together. Concurrent single-event
 * appends were bound by the ordering lock's hand-overs and by one WAL flush each: grouped, 16 of
 * them take the lock a few times and share their commits.
 */
const APPEND_GROUPS_IN_FLIGHT = 4;
const GROUP_MAX_EVENTS = 1_000;

export class PostgresEventStore implements EventStore, CopyableEventLog {
  private readonly notifier: PostgresEventNotifier;
  private readonly pollIntervalMs: number;
  private waiting: WaitingAppend[] = [];
  private groupsInFlight = 0;
  /** The last head readHeadPosition found: gap-safe for good, its next walk starts there. */
  private knownSafeHead = 0;

  constructor(
    private readonly pool: Pool,
    options: PostgresEventStoreOptions = {},
  ) {
    this.notifier = new PostgresEventNotifier(pool, EVENTS_CHANNEL);
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
  }

  async append(
    streamId: string,
    events: readonly NewEvent[],
    options: { expectedVersion?: ExpectedVersion } & AppendHooks = {},
  ): Promise<AppendResult> {
    const { expectedVersion, ...hooks } = options;
    const [result] = await this.appendMany([{ streamId, events, expectedVersion }], hooks);
    return result!;
  }

  async appendMany(appends: readonly StreamAppend[], hooks: AppendHooks = {}): Promise<AppendResult[]> {
    const nonEmpty = appends.filter((append) => append.events.length > 0);
    assertDistinctStreams(nonEmpty);
    const grouped = hooks.beforeCommit === undefined && !hooks.conditions?.length && nonEmpty.length > 0;
    const outcome = grouped ? await this.tryAppendGrouped(nonEmpty) : await this.tryAppend(nonEmpty, hooks);
    if (outcome.kind === 'appended') return inRequestOrder(appends, outcome.results);
    // An event id was already recorded, or a stream moved on: maybe a retry of a write that
    // succeeded. Streams whose events are all recorded identically answer with the original
    // positions; the others are tried again (and fail again if they really conflict).
    const existing = await this.readEvents(nonEmpty.flatMap((append) => append.events.map((event) => event.eventId)));
    const { replayed, remaining } = await sortRetries(nonEmpty, existing, (streamId) => this.streamVersion(streamId));
    const retry = remaining.length ? await this.tryAppend(remaining, hooks) : { kind: 'appended' as const, results: [] };
    if (retry.kind === 'duplicate') throw new EventIdConflictError(retry.eventId);
    if (retry.kind === 'stale') throw retry.error;
    return inRequestOrder(appends, [...replayed, ...retry.results]);
  }

  /**
   * An append without hook or condition: sent at once while fewer than APPEND_GROUPS_IN_FLIGHT
   * are in flight, else queued; the queued ones go together, as one vigie_append (one lock, one
   * transaction, one WAL flush), when a slot frees. A group that fails (a stale version, an id
   * recorded…) wrote nothing: each of its appends is then tried alone, as if never grouped.
   */
  private tryAppendGrouped(appends: readonly StreamAppend[]): Promise<AppendOutcome> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ appends, resolve, reject });
      this.sendGroups();
    });
  }

  private sendGroups(): void {
    while (this.groupsInFlight < APPEND_GROUPS_IN_FLIGHT && this.waiting.length > 0) {
      const group = this.takeGroup();
      this.groupsInFlight += 1;
      void this.sendGroup(group)
        .catch((error: unknown) => group.forEach((waiting) => waiting.reject(error)))
        .finally(() => {
          this.groupsInFlight -= 1;
          this.sendGroups();
        });
    }
  }

  /** The waiting appends, in arrival order, that fit in one group: each stream once, at most GROUP_MAX_EVENTS events. */
  private takeGroup(): WaitingAppend[] {
    const group: WaitingAppend[] = [];
    const streams = new Set<string>();
    let events = 0;
    this.waiting = this.waiting.filter((waiting) => {
      const size = waiting.appends.reduce((sum, append) => sum + append.events.length, 0);
      const fits =
        group.length === 0 ||
        (events + size <= GROUP_MAX_EVENTS && waiting.appends.every((append) => !streams.has(append.streamId)));
      if (!fits) return true;
      group.push(waiting);
      events += size;
      for (const append of waiting.appends) streams.add(append.streamId);
      return false;
    });
    return group;
  }

  private async sendGroup(group: readonly WaitingAppend[]): Promise<void> {
    const alone = (waiting: WaitingAppend) => this.tryAppend(waiting.appends, {}).then(waiting.resolve, waiting.reject);
    if (group.length === 1) return alone(group[0]!);
    const outcome = await this.tryAppend(
      group.flatMap((waiting) => waiting.appends),
      {},
    ).catch(() => undefined);
    if (outcome?.kind !== 'appended') {
      await Promise.all(group.map(alone));
      return;
    }
    let next = 0;
    for (const waiting of group) {
      waiting.resolve({ kind: 'appended', results: outcome.results.slice(next, next + waiting.appends.length) });
      next += waiting.appends.length;
    }
  }

  private async tryAppend(appends: readonly StreamAppend[], hooks: AppendHooks): Promise<AppendOutcome> {
    if (appends.length === 0) return { kind: 'appended', results: [] };
    const query = {
      name: 'vigie_append',
      text: APPEND_STATEMENT,
      values: [
        eventsDocument(appends),
        appends.map((append) => append.streamId),
        appends.map((append) => append.events.length),
        appends.map((append) => expectedAsNumber(append.expectedVersion)),
      ],
    };
    const conditions = hooks.conditions ?? [];
    const inTransaction = hooks.beforeCommit !== undefined || conditions.length > 0;
    const client = await this.pool.connect();
    let destroy = false;
    try {
      // Without a hook or a condition, the statement is its own transaction: one round trip per append.
      if (inTransaction) await client.query('BEGIN');
      const failed = await checkConditions(client, conditions);
      if (failed) {
        await client.query('ROLLBACK');
        return { kind: 'stale', error: new WrongExpectedVersionError(`condition:${failed.key}`, 'any', -1) };
      }
      const { rows } = await client.query<{ versions: number[]; positions: string[] }>(query);
      if (hooks.beforeCommit) await hooks.beforeCommit();
      if (inTransaction) await client.query('COMMIT');
      this.notifier.publish();
      const { versions, positions } = rows[0]!;
      let next = 0;
      return {
        kind: 'appended',
        results: appends.map((append, index) => ({
          streamId: append.streamId,
          nextExpectedVersion: versions[index]!,
          positions: append.events.map(() => Number(positions[next++])),
          alreadyRecorded: false,
        })),
      };
    } catch (error) {
      if (inTransaction) await client.query('ROLLBACK').catch(() => undefined);
      const pgError = error as { code?: string; detail?: string };
      if (pgError.code === 'VG002') return { kind: 'duplicate', eventId: pgError.detail ?? 'unknown' };
      if (pgError.code === 'VG001') {
        const detail = JSON.parse(pgError.detail ?? '{}') as { streamId: string; expected: number; actual: number };
        const append = appends.find((candidate) => candidate.streamId === detail.streamId);
        return {
          kind: 'stale',
          error: new WrongExpectedVersionError(detail.streamId, append?.expectedVersion ?? 'any', detail.actual),
        };
      }
      // A failure between lock and unlock (an id recorded meanwhile or named twice raises
      // unique_violation there) must not leave the ordering lock held: a connection that cannot
      // release it is closed, which does.
      const unlocked = await client.query('SELECT pg_advisory_unlock_all()').then(
        () => true,
        () => false,
      );
      destroy = !unlocked;
      const translated = translatePgError(error);
      if (translated instanceof EventIdConflictError) return { kind: 'duplicate', eventId: translated.eventId };
      throw translated;
    } finally {
      client.release(destroy);
    }
  }

  private async streamVersion(streamId: string): Promise<number> {
    const { rows } = await this.pool.query<{ version: number }>('SELECT version FROM streams WHERE stream_id = $1', [streamId]);
    return rows[0]?.version ?? 0;
  }

  async readStream(streamId: string): Promise<ReadStreamResult> {
    const { rows } = await this.pool.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE stream_id = $1 ORDER BY stream_version`,
      [streamId],
    );
    const events = rows.map(toRecordedEvent);
    return { events, version: events.at(-1)?.streamVersion ?? 0 };
  }

  async readStreams(streamIds: readonly string[]): Promise<Map<string, ReadStreamResult>> {
    const unique = [...new Set(streamIds)];
    const { rows } = await this.pool.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE stream_id = ANY($1::text[]) ORDER BY stream_id, stream_version`,
      [unique],
    );
    const result = new Map<string, ReadStreamResult>(unique.map((id) => [id, { events: [], version: 0 }]));
    const events = new Map<string, RecordedEvent[]>(unique.map((id) => [id, []]));
    for (const row of rows) events.get(row.stream_id)!.push(toRecordedEvent(row));
    for (const [id, list] of events) if (list.length) result.set(id, { events: list, version: list.at(-1)!.streamVersion });
    return result;
  }

  async readAll(after: number, limit: number): Promise<RecordedEvent[]> {
    return readAllWith(this.pool, after, limit);
  }

  async readHeadPosition(): Promise<number> {
    this.knownSafeHead = await readGapSafeHead(this.pool, '$1::bigint', [this.knownSafeHead]);
    return this.knownSafeHead;
  }

  async readEvent(eventId: string): Promise<RecordedEvent | undefined> {
    if (!UUID.test(eventId)) return undefined;
    const { rows } = await this.pool.query<EventRow>(`SELECT ${EVENT_COLUMNS} FROM events WHERE event_id = $1`, [eventId]);
    return rows[0] ? toRecordedEvent(rows[0]) : undefined;
  }

  async readEvents(eventIds: readonly string[]): Promise<Map<string, RecordedEvent>> {
    const ids = [...new Set(eventIds.filter((id) => UUID.test(id)))];
    if (!ids.length) return new Map();
    const { rows } = await this.pool.query<EventRow>(`SELECT ${EVENT_COLUMNS} FROM events WHERE event_id = ANY($1::uuid[])`, [
      ids,
    ]);
    return new Map(rows.map((row) => [row.event_id, toRecordedEvent(row)]));
  }

  /** readAll with each event's recording time to the microsecond (copyEventLog). */
  async readForCopy(after: number, limit: number): Promise<CopiedEvent[]> {
    const { rows } = await this.pool.query<EventRow & { recorded_at_exact: string }>(
      `WITH ${gapSafeSql('$1', '$2')}
       SELECT ${EVENT_COLUMNS}, to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS recorded_at_exact
       FROM events
       WHERE global_position IN (SELECT global_position FROM gap_safe)
       ORDER BY global_position`,
      [after, limit],
    );
    return rows.map((row) => ({ ...toRecordedEvent(row), recordedAtExact: row.recorded_at_exact }));
  }

  /**
   * Events copied from another store (copyEventLog), in one transaction: at the source's global
   * positions, under the append ordering lock (no append interleaves), then the position sequence
   * moves past them so that later appends follow the copied log.
   */
  async importEvents(events: readonly CopiedEvent[]): Promise<void> {
    if (events.length === 0) return;
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1)', [APPEND_ORDER_LOCK]);
      const written = await copyIntoEventsTable(client, events);
      if (written !== events.length) throw new EventIdConflictError(`one of ${events[0]!.eventId}…${events.at(-1)!.eventId}`);
      await client.query(`SELECT setval(pg_get_serial_sequence('events', 'global_position'), max(global_position)) FROM events`);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
    this.notifier.publish();
  }

  /**
   * Waits until every event committed before the call is visible to gap-safe reads: an append in
   * flight below one of them holds it back, and so, past a rolled-back append's hole, does a
   * transaction open anywhere on the server since before the next event was appended. Appends
   * committed meanwhile are not waited for (a source still written to settles too). By the append
   * ordering, once the last of them is visible, all are. Fails after `timeoutMs` naming the way out.
   */
  async settle(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const { rows } = await this.pool.query<{ last: string | null }>('SELECT max(global_position) AS last FROM events');
    const last = Number(rows[0]?.last ?? 0);
    while ((await this.readHeadPosition()) < last) {
      if (Date.now() > deadline) {
        throw new Error(
          `Des événements validés restent invisibles depuis ${timeoutMs / 1_000} s : une transaction ouverte sur le serveur les retient ` +
            `(voir pg_stat_activity, xact_start). La terminer puis relancer. / Committed events are still held back after ` +
            `${timeoutMs / 1_000} s by a transaction open on the server (see pg_stat_activity, xact_start): end it and run again.`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  subscribe(options: SubscribeOptions): Subscription {
    return new PollingSubscription((after, limit) => this.readAll(after, limit), this.notifier, {
      ...options,
      pollIntervalMs: options.pollIntervalMs ?? this.pollIntervalMs,
    });
  }

  /** Wakes on every committed append (LISTEN/NOTIFY); polling remains the fallback. */
  get notifications(): PostgresEventNotifier {
    return this.notifier;
  }

  async close(): Promise<void> {
    await this.notifier.close();
  }
}

/**
 * Gap-safe global read, usable inside a caller's transaction (projections read and write in one):
 * the next events after `after`, at most `limit`, that no later commit can precede (`gapSafeSql`).
 */
export async function readAllWith(
  db: Pick<Pool, 'query'> | PoolClient,
  after: number,
  limit: number,
  options: { readonly dataOf?: readonly string[] } = {},
): Promise<RecordedEvent[]> {
  // dataOf: only these event types carry their data (the others come with data null), for
  // readers that copy or skip the rest server-side: less to transfer and parse.
  const columns = options.dataOf
    ? EVENT_COLUMNS.replace(' data,', ' CASE WHEN event_type = ANY($3) THEN data END AS data,')
    : EVENT_COLUMNS;
  const { rows } = await db.query<EventRow>(
    `WITH ${gapSafeSql('$1', '$2')}
     SELECT ${columns} FROM events
     WHERE global_position IN (SELECT global_position FROM gap_safe)
     ORDER BY global_position`,
    options.dataOf ? [after, limit, options.dataOf] : [after, limit],
  );
  return rows.map(toRecordedEvent);
}

/**
 * The next gap-safe batch of `limit` events, as readAllWith reads it, of which only the events of
 * `types` travel (with their data, or only those of `dataOf`), for readers that apply the rest server-side, from the events
 * table between `after` and the batch's last position (every event up to it is gap-safe). `last` is the batch's last event whatever its type (a reader's checkpoint),
 * null when no new event is visible; `count` how many events the batch holds.
 */
export async function readBatchOfTypesWith(
  db: Pick<Pool, 'query'> | PoolClient,
  after: number,
  limit: number,
  types: readonly string[],
  options: { readonly dataOf?: readonly string[] } = {},
): Promise<{ events: RecordedEvent[]; last: { globalPosition: number; recordedAt: Date } | null; count: number }> {
  const columns = options.dataOf
    ? EVENT_COLUMNS.replace(' data,', ' CASE WHEN event_type = ANY($4) THEN data END AS data,')
    : EVENT_COLUMNS;
  const { rows } = await db.query<EventRow & { wanted: boolean; count: string }>(
    // The batch's range first, from the primary key alone (ordered by position and limited), then
    // its events' types: only the wanted ones and the last travel.
    `WITH ${gapSafeSql('$1', '$2')}, batch AS MATERIALIZED (
       SELECT global_position, event_type FROM events WHERE global_position IN (SELECT global_position FROM gap_safe)
     )
     SELECT ${columns}, event_type = ANY($3) AS wanted, (SELECT count(*) FROM batch) AS count FROM events
     WHERE global_position IN (
       SELECT global_position FROM batch WHERE event_type = ANY($3)
       UNION ALL
       SELECT max(global_position) FROM batch
     )
     ORDER BY global_position`,
    options.dataOf ? [after, limit, types, options.dataOf] : [after, limit, types],
  );
  const last = rows.at(-1);
  return {
    events: rows.filter((row) => row.wanted).map(toRecordedEvent),
    last: last ? { globalPosition: Number(last.global_position), recordedAt: last.recorded_at } : null,
    count: Number(last?.count ?? 0),
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Takes each condition's lock (in one statement, ordered, so two appends never wait for each other
 * crosswise) and reads it again (together where conditions share `checkTogether`): the first that
 * no longer holds, or none. The locks last until COMMIT or
 * ROLLBACK, so a competing append naming the same key reads this one's events once it commits.
 */
async function checkConditions(client: PoolClient, conditions: readonly AppendCondition[]): Promise<AppendCondition | null> {
  if (conditions.length === 0) return null;
  // Every lock in one round trip, in the order of their hash (the lock's own id), so two appends never wait crosswise.
  const keys = [...new Set(conditions.map((condition) => condition.key))];
  await client.query(
    `SELECT pg_advisory_xact_lock($1::int, h) FROM (SELECT DISTINCT hashtext(k) AS h FROM unnest($2::text[]) AS k ORDER BY 1) AS locks`,
    [APPEND_CONDITION_LOCK, keys],
  );
  const reader = {
    query: <Row>(text: string, values?: readonly unknown[]) =>
      client.query(text, values as unknown[] | undefined) as unknown as Promise<{ rows: Row[] }>,
  };
  return firstFailedCondition(reader, conditions);
}

function expectedAsNumber(expected: ExpectedVersion | undefined): number {
  if (expected === undefined || expected === 'any') return -1;
  if (expected === 'no_stream') return 0;
  return expected;
}

/** The events of every append as vigie_append's one JSON document, in request order; k: the stream's index in p_streams. */
function eventsDocument(appends: readonly StreamAppend[]): string {
  return JSON.stringify(
    appends.flatMap((append, stream) =>
      append.events.map((event, index) => ({
        k: stream + 1,
        i: index + 1,
        e: event.eventId,
        t: event.type,
        v: event.schemaVersion ?? 1,
        d: event.data,
        m: event.metadata,
      })),
    ),
  );
}

function translatePgError(error: unknown): unknown {
  const pgError = error as { code?: string; constraint?: string; detail?: string };
  if (pgError?.code === '23505' && pgError.constraint === 'events_event_id_key') {
    // An id recorded meanwhile (two retries of the same event raced) or named twice: a duplicate, sorted out like VG002.
    const match = /\(event_id\)=\(([^)]+)\)/.exec(pgError.detail ?? '');
    return new EventIdConflictError(match?.[1] ?? 'unknown');
  }
  return error;
}
