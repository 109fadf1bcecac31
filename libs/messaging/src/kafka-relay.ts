import { type Admin, Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import { Pool } from 'pg';
import { PollingLoop, type PostgresEventNotifier, readAllWith, type RecordedEvent } from '@vigie/event-store';
import { allTopics, topicFor } from './topics.js';

export type RelayState = 'disabled' | 'connecting' | 'running' | 'retrying' | 'stopped';

export interface RelayStatus {
  readonly state: RelayState;
  /** Why the relay is not publishing, in plain words. */
  readonly reason: string | null;
  /** Last global position published and checkpointed. */
  readonly position: number;
  readonly published: number;
  readonly lastError: string | null;
}

export interface KafkaRelayOptions {
  /** Broker addresses; none means the relay stays disabled and nothing is lost. */
  readonly brokers?: readonly string[];
  readonly clientId?: string;
  readonly topicPrefix?: string;
  readonly batchSize?: number;
  readonly pollIntervalMs?: number;
  readonly notifier?: PostgresEventNotifier;
  readonly log?: (level: 'info' | 'warn' | 'error', message: string) => void;
}

export const RELAY_CHECKPOINT = 'kafka-relay';

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

  constructor(
    private readonly pool: Pool,
    private readonly options: KafkaRelayOptions,
  ) {
    this.prefix = options.topicPrefix ?? 'vigie';
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
    };
  }

  async start(): Promise<void> {
    this.position = await this.readCheckpoint();
    if (this.state === 'disabled' || this.loop.running) return;
    this.state = 'connecting';
    this.loop.start();
  }

  async stop(): Promise<void> {
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
      return published === (this.options.batchSize ?? 1_000) ? 0 : (this.options.pollIntervalMs ?? 500);
    } catch (error) {
      this.lastError = (error as Error).message;
      if (this.state !== 'retrying')
        this.options.log?.('warn', `Kafka relay cannot publish (${this.lastError}); retrying with back-off`);
      this.state = 'retrying';
      this.reason = 'Broker Kafka injoignable : nouvelle tentative avec délai croissant.';
      await this.producer?.disconnect().catch(() => undefined);
      this.producer = undefined;
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
    const byTopic = new Map<string, RecordedEvent[]>();
    for (const event of events) {
      const topic = topicFor(this.prefix, event.streamId);
      byTopic.set(topic, [...(byTopic.get(topic) ?? []), event]);
    }
    await producer.sendBatch({
      acks: -1,
      topicMessages: [...byTopic.entries()].map(([topic, topicEvents]) => ({
        topic,
        messages: topicEvents.map((event) => ({
          key: event.streamId,
          value: JSON.stringify(toMessage(event)),
          headers: {
            'event-id': event.eventId,
            'event-type': event.type,
            'schema-version': String(event.schemaVersion),
            'content-type': 'application/json',
          },
        })),
      })),
    });
    const last = events.at(-1)!;
    await this.pool.query(
      `INSERT INTO checkpoints (name, position, last_event_at) VALUES ($1, $2, $3)
       ON CONFLICT (name) DO UPDATE SET position = excluded.position, last_event_at = excluded.last_event_at, updated_at = now()`,
      [RELAY_CHECKPOINT, last.globalPosition, last.recordedAt],
    );
    this.position = last.globalPosition;
    this.published += events.length;
    return events.length;
  }

  private async readCheckpoint(): Promise<number> {
    const { rows } = await this.pool.query<{ position: string }>('SELECT position FROM checkpoints WHERE name = $1', [
      RELAY_CHECKPOINT,
    ]);
    return Number(rows[0]?.position ?? 0);
  }
}
