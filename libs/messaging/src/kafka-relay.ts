import { type Admin, Kafka, logLevel, type PartitionMetadata, Partitioners, type Producer } from 'kafkajs';
import { Pool } from 'pg';
import { PollingLoop, type PostgresEventNotifier, readAllWith, type RecordedEvent } from '@vigie/event-store';
import { allTopics, topicFor } from './topics.js';
import { classifyRelayError, type RelayErrorKind } from './relay-errors.js';

/**
 * `retrying`: a transient fault (broker or database away), retried with back-off.
 * `blocked`: the broker refuses the next event for good (too large for it, not authorised…):
 * an operator must act (raise the topic's `max.message.bytes`, grant the ACL); retried slowly.
 */
export type RelayState = 'disabled' | 'connecting' | 'running' | 'retrying' | 'blocked' | 'stopped';

export interface RelayStatus {
  readonly state: RelayState;
  /** Why the relay is not publishing, in plain words. */
  readonly reason: string | null;
  /** Last global position published and checkpointed. */
  readonly position: number;
  readonly published: number;
  readonly lastError: string | null;
  /** Current byte budget of one partition's share of a produce call (lowered when the broker refuses a batch). */
  readonly batchBytes: number;
  /** Batches the broker refused as too large and the relay split. */
  readonly splits: number;
}

export interface KafkaRelayOptions {
  /** Broker addresses; none means the relay stays disabled and nothing is lost. */
  readonly brokers?: readonly string[];
  readonly clientId?: string;
  readonly topicPrefix?: string;
  readonly batchSize?: number;
  /** Upper bound of the bytes one partition receives in one produce call (keep under the broker's message.max.bytes). */
  readonly maxBatchBytes?: number;
  readonly pollIntervalMs?: number;
  readonly notifier?: PostgresEventNotifier;
  readonly log?: (level: 'info' | 'warn' | 'error', message: string) => void;
}

export const RELAY_CHECKPOINT = 'kafka-relay';

export const DEFAULT_MAX_BATCH_BYTES = 900_000;
/** Bytes of a record beyond its key, value and headers (lengths, offsets, attributes), rounded up. */
const RECORD_OVERHEAD = 32;
/** Bytes of a record batch beyond its records. */
const BATCH_OVERHEAD = 80;
const BLOCKED_RETRY_MS = 30_000;
/** How soon the relay reads again when the log holds events its gap-safe read cannot see yet. */
const HIDDEN_RETRY_MS = 20;
/** For how long after an append is signalled the relay looks for events still hidden. */
const HIDDEN_WAIT_MS = 2_000;

/** The broker refused one event alone: it cannot be split further. */
class EventTooLargeError extends Error {
  constructor(
    readonly position: number,
    readonly bytes: number,
    readonly brokerMessage: string,
  ) {
    super(`event at position ${position} (${bytes} bytes) refused by the broker: ${brokerMessage}`);
    this.name = 'EventTooLargeError';
  }
}

/** The broker refused a batch as too large: split it (smaller byte budget) and send again at once. */
class SplitNeeded extends Error {
  constructor(readonly largestPartitionBytes: number) {
    super('batch too large for the broker');
  }
}

/** The JSON value of every Kafka message. */
export interface EventMessage {
  readonly eventId: string;
  readonly type: string;
  readonly schemaVersion: number;
  readonly streamId: string;
  readonly streamVersion: number;
  readonly globalPosition: number;
  readonly recordedAt: string;
  readonly data: unknown;
  readonly metadata: unknown;
}

export function toMessage(event: RecordedEvent): EventMessage {
  return {
    eventId: event.eventId,
    type: event.type,
    schemaVersion: event.schemaVersion,
    streamId: event.streamId,
    streamVersion: event.streamVersion,
    globalPosition: event.globalPosition,
    recordedAt: event.recordedAt.toISOString(),
    data: event.data,
    metadata: event.metadata,
  };
}

/**
 * Publishes the event log to Kafka: the events table is the outbox. Reads after its own
 * checkpoint, produces with the idempotent producer (key = stream id, so per-stream order
 * holds), and only then advances the checkpoint: at-least-once, consumers drop duplicates
 * by event id. When the broker is down it retries with back-off; nothing is lost.
 */
export class KafkaRelay {
  private state: RelayState;
  private reason: string | null;
  private position = 0;
  private published = 0;
  private lastError: string | null = null;
  private producer: Producer | undefined;
  private readonly loop: PollingLoop;
  private backoffMs = 250;
  private readonly prefix: string;
  private readonly maxBatchBytes: number;
  private batchBytes: number;
  private splits = 0;
  private lastCause: string | null = null;
  private partitions = new Map<string, PartitionMetadata[]>();
  private readonly partitioner = Partitioners.DefaultPartitioner();
  /** When the last append was signalled: the log's head is looked at only for a moment after one. */
  private appendedAt = 0;
  private unlisten: (() => void) | undefined;

  constructor(
    private readonly pool: Pool,
    private readonly options: KafkaRelayOptions,
  ) {
    this.prefix = options.topicPrefix ?? 'vigie';
    this.maxBatchBytes = options.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES;
    this.batchBytes = this.maxBatchBytes;
    const enabled = (options.brokers?.length ?? 0) > 0;
    this.state = enabled ? 'stopped' : 'disabled';
    this.reason = enabled ? null : 'KAFKA_BROKERS non défini : le relais attend, les événements restent dans le journal.';
    this.loop = new PollingLoop(() => this.step(), { errorDelayMs: 1_000, wakeOn: options.notifier });
  }

  status(): RelayStatus {
    return {
      state: this.state,
      reason: this.reason,
      position: this.position,
      published: this.published,
      lastError: this.lastError,
      batchBytes: this.batchBytes,
      splits: this.splits,
    };
  }

  async start(): Promise<void> {
    this.position = await this.readCheckpoint();
    if (this.state === 'disabled' || this.loop.running) return;
    this.state = 'connecting';
    this.unlisten ??= this.options.notifier?.onAppended(() => (this.appendedAt = Date.now()));
    this.loop.start();
  }

  async stop(): Promise<void> {
    this.unlisten?.();
    this.unlisten = undefined;
    await this.loop.stop();
    await this.producer?.disconnect().catch(() => undefined);
    this.producer = undefined;
    if (this.state !== 'disabled') this.state = 'stopped';
  }

  private kafka(): Kafka {
    return new Kafka({
      clientId: this.options.clientId ?? 'vigie',
      brokers: [...(this.options.brokers ?? [])],
      logLevel: logLevel.NOTHING,
      retry: { retries: 2, initialRetryTime: 200, maxRetryTime: 2_000 },
      connectionTimeout: 3_000,
    });
  }

  private async connect(): Promise<Producer> {
    const kafka = this.kafka();
    const admin: Admin = kafka.admin();
    await admin.connect();
    try {
      const existing = new Set(await admin.listTopics());
      const missing = allTopics(this.prefix).filter((topic) => !existing.has(topic));
      if (missing.length)
        await admin.createTopics({ topics: missing.map((topic) => ({ topic, numPartitions: 3 })), waitForLeaders: true });
      // Each message's partition is chosen here (the producer's own default partitioner, by key),
      // so a batch can be sized by the bytes each partition receives.
      const { topics } = await admin.fetchTopicMetadata({ topics: allTopics(this.prefix) });
      this.partitions = new Map(topics.map((topic) => [topic.name, topic.partitions]));
    } finally {
      await admin.disconnect();
    }
    const producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
      retry: { retries: 5 },
    });
    await producer.connect();
    return producer;
  }

  /** One batch; on failure, back off (doubling up to 10 s) and reconnect. Returns the rest before the next step. */
  private async step(): Promise<number> {
    try {
      this.producer ??= await this.connect();
      const published = await this.publishBatch(this.producer);
      if (this.state !== 'running') this.options.log?.('info', `Kafka relay publishing from position ${this.position}`);
      this.state = 'running';
      this.reason = null;
      this.lastError = null;
      this.backoffMs = 250;
      if (published === (this.options.batchSize ?? 1_000)) return 0;
      // Events that an append still in flight below them hides from the gap-safe read (after a
      // batch too: past it): look again in 20 ms, not after a poll interval.
      if (Date.now() - this.appendedAt < HIDDEN_WAIT_MS && (await this.tableHead()) > this.position) return HIDDEN_RETRY_MS;
      return this.options.pollIntervalMs ?? 500;
    } catch (error) {
      // A fresh producer (new producer id) after any failure: the refused batch leaves no sequence behind.
      await this.producer?.disconnect().catch(() => undefined);
      this.producer = undefined;
      if (error instanceof SplitNeeded) {
        this.splits += 1;
        const previous = this.batchBytes;
        this.batchBytes = Math.max(1, Math.floor(Math.min(this.batchBytes, error.largestPartitionBytes) / 2));
        this.options.log?.(
          'warn',
          `Kafka relay: the broker refused a batch as too large (MESSAGE_TOO_LARGE); splitting it (${previous} → ${this.batchBytes} bytes per partition)`,
        );
        return 0;
      }
      const { kind, detail } =
        error instanceof EventTooLargeError
          ? { kind: 'permanent' as RelayErrorKind, detail: 'MESSAGE_TOO_LARGE' }
          : classifyRelayError(error);
      this.lastError = error instanceof Error ? error.message : String(error);
      const { state, reason } = describe(kind, detail, error);
      if (this.state !== state || this.lastCause !== reason) {
        this.options.log?.(kind === 'permanent' ? 'error' : 'warn', `Kafka relay ${state}: ${this.lastError}`);
      }
      this.state = state;
      this.reason = reason;
      this.lastCause = reason;
      if (kind === 'permanent') return BLOCKED_RETRY_MS;
      const rest = this.backoffMs;
      this.backoffMs = Math.min(this.backoffMs * 2, 10_000);
      return rest;
    }
  }

  private async publishBatch(producer: Producer): Promise<number> {
    const after = await this.readCheckpoint();
    const events = await readAllWith(this.pool, after, this.options.batchSize ?? 1_000);
    if (events.length === 0) {
      this.position = after;
      return 0;
    }
    // The longest prefix of the events in which no partition receives more than the byte budget
    // (at least one event): the checkpoint then moves to its last event, order kept.
    const byTopic = new Map<string, Array<ReturnType<typeof this.messageOf>>>();
    const partitionBytes = new Map<string, number>();
    let taken = 0;
    for (const event of events) {
      const message = this.messageOf(event);
      const slot = `${message.topic}/${message.partition}`;
      const bytes = (partitionBytes.get(slot) ?? BATCH_OVERHEAD) + message.bytes;
      if (taken > 0 && bytes > this.batchBytes) break;
      partitionBytes.set(slot, bytes);
      byTopic.set(message.topic, [...(byTopic.get(message.topic) ?? []), message]);
      taken += 1;
    }
    const batch = events.slice(0, taken);
    try {
      await producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic.entries()].map(([topic, messages]) => ({
          topic,
          messages: messages.map(({ key, value, headers, partition }) => ({ key, value, headers, partition })),
        })),
      });
    } catch (error) {
      if (classifyRelayError(error).kind !== 'too-large') throw error;
      if (taken > 1) throw new SplitNeeded(Math.max(...partitionBytes.values()));
      throw new EventTooLargeError(batch[0]!.globalPosition, Math.max(...partitionBytes.values()), (error as Error).message);
    }
    const last = batch.at(-1)!;
    // Without waiting for the WAL flush (synchronous_commit off for this statement's transaction):
    // a checkpoint lost in a crash publishes its batch again, which consumers drop by event id
    // (at-least-once either way). A flushed commit held the next batch back.
    await this.pool.query(
      `INSERT INTO checkpoints (name, position, last_event_at)
       SELECT $1::text, $2::bigint, $3::timestamptz FROM (SELECT set_config('synchronous_commit', 'off', true)) AS unflushed
       ON CONFLICT (name) DO UPDATE SET position = excluded.position, last_event_at = excluded.last_event_at, updated_at = now()`,
      [RELAY_CHECKPOINT, last.globalPosition, last.recordedAt],
    );
    this.position = last.globalPosition;
    this.published += batch.length;
    // A full read batch, or one cut by bytes: go on at once.
    return taken < events.length ? (this.options.batchSize ?? 1_000) : events.length;
  }

  private messageOf(event: RecordedEvent) {
    const topic = topicFor(this.prefix, event.streamId);
    const key = event.streamId;
    const value = JSON.stringify(toMessage(event));
    const headers = {
      'event-id': event.eventId,
      'event-type': event.type,
      'schema-version': String(event.schemaVersion),
      'content-type': 'application/json',
    };
    const partitionMetadata = this.partitions.get(topic) ?? [];
    const partition = partitionMetadata.length
      ? this.partitioner({ topic, partitionMetadata, message: { key, value } })
      : undefined;
    const bytes =
      RECORD_OVERHEAD +
      Buffer.byteLength(key) +
      Buffer.byteLength(value) +
      Object.entries(headers).reduce((sum, [name, text]) => sum + Buffer.byteLength(name) + Buffer.byteLength(text) + 4, 0);
    return { topic, key, value, headers, partition, bytes };
  }

  private async tableHead(): Promise<number> {
    const { rows } = await this.pool.query<{ head: string | null }>('SELECT max(global_position) AS head FROM events');
    return Number(rows[0]?.head ?? 0);
  }

  private async readCheckpoint(): Promise<number> {
    const { rows } = await this.pool.query<{ position: string }>('SELECT position FROM checkpoints WHERE name = $1', [
      RELAY_CHECKPOINT,
    ]);
    return Number(rows[0]?.position ?? 0);
  }
}

/** The state and the French reason of a failure, by kind: the real cause, never a guess. */
function describe(kind: RelayErrorKind, detail: string, error: unknown): { state: RelayState; reason: string } {
  if (error instanceof EventTooLargeError) {
    return {
      state: 'blocked',
      reason:
        `Événement en position ${error.position} (${error.bytes} octets) refusé par le broker comme trop volumineux : ` +
        'augmentez max.message.bytes du topic (ou message.max.bytes du broker) ; le relais réessaie toutes les 30 s.',
    };
  }
  switch (kind) {
    case 'database':
      return { state: 'retrying', reason: 'Base de données injoignable : le relais réessaie avec un délai croissant.' };
    case 'broker-unreachable':
      return { state: 'retrying', reason: 'Broker Kafka injoignable : nouvelle tentative avec délai croissant.' };
    case 'permanent':
      return {
        state: 'blocked',
        reason: `Le broker Kafka refuse la publication (${detail}) : une action est nécessaire ; nouvel essai toutes les 30 s.`,
      };
    default:
      return {
        state: 'retrying',
        reason: `Erreur passagère du broker Kafka (${detail}) : nouvelle tentative avec délai croissant.`,
      };
  }
}
