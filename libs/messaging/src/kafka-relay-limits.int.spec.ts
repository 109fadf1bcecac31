import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { PostgresEventStore } from '@vigie/event-store';
import { createTestDatabase, type TestDatabase } from '../../../test/support/postgres.js';
import { leaseAppendBatches, leaseEvent } from '../../../test/support/lease-events.js';
import { KafkaRelay, type EventMessage } from './kafka-relay.js';
import { allTopics } from './topics.js';

const brokers = () => process.env.VIGIE_TEST_KAFKA_BROKERS!.split(',');
/** The broker's limit for the test's topics (topic-level max.message.bytes): about 25 lease messages. */
const LIMIT = 20_000;

const kafka = () => new Kafka({ clientId: 'relay-limits-spec', brokers: brokers(), logLevel: logLevel.NOTHING });

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}

/** Topics of a fresh prefix whose broker limit is small. */
async function smallTopics(): Promise<string> {
  const prefix = `vigie-${randomUUID().slice(0, 8)}`;
  const admin = kafka().admin();
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: allTopics(prefix).map((topic) => ({
        topic,
        numPartitions: 3,
        configEntries: [{ name: 'max.message.bytes', value: String(LIMIT) }],
      })),
    });
  } finally {
    await admin.disconnect();
  }
  return prefix;
}

async function consumeAll(prefix: string, expected: number): Promise<Array<{ partition: number; message: EventMessage }>> {
  const received: Array<{ partition: number; message: EventMessage }> = [];
  const consumer = kafka().consumer({ groupId: `relay-limits-${randomUUID()}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: `${prefix}.attributions.v1`, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        received.push({ partition, message: JSON.parse(message.value!.toString()) });
      },
    });
    await until(() => received.length >= expected, 45_000);
  } finally {
    await consumer.disconnect();
  }
  return received;
}

describe('Kafka relay against a broker whose message limit is small', () => {
  let db: TestDatabase;
  let store: PostgresEventStore;
  const TOTAL = 1_500;

  beforeAll(async () => {
    db = await createTestDatabase();
    store = new PostgresEventStore(db.pool, { pollIntervalMs: 50 });
    for (const batch of leaseAppendBatches(0, TOTAL, 500)) await store.appendMany(batch);
  });

  afterAll(async () => {
    await store.close();
    await db.drop();
  });

  it('splits a batch the broker refuses as too large and delivers every event, in order per partition', async () => {
    const prefix = await smallTopics();
    // Configured far above the broker's limit: the broker's MESSAGE_TOO_LARGE teaches the relay.
    const relay = new KafkaRelay(db.pool, {
      brokers: brokers(),
      topicPrefix: prefix,
      batchSize: 1_000,
      maxBatchBytes: 1_000_000,
    });
    await relay.start();
    try {
      await until(() => relay.status().position >= TOTAL, 60_000);
    } finally {
      await relay.stop();
    }
    const status = relay.status();
    expect(status).toMatchObject({ position: TOTAL, published: TOTAL, lastError: null });
    expect(status.splits).toBeGreaterThanOrEqual(1);
    expect(status.batchBytes).toBeLessThanOrEqual(LIMIT);
    const received = await consumeAll(prefix, TOTAL);
    // At least once: the partitions of a refused batch that the broker did accept are sent again
    // with the split (consumers drop duplicates by event id); nothing is missing.
    const distinct = new Set(received.map((r) => r.message.eventId));
    expect(distinct.size).toBe(TOTAL);
    console.log(`relay split: ${status.splits} splits, budget ${status.batchBytes} bytes, ${received.length - TOTAL} duplicates`);
    // Within a partition, first deliveries come in position order: the split kept the order.
    for (const partition of new Set(received.map((r) => r.partition))) {
      const seen = new Set<string>();
      const positions = received
        .filter((r) => r.partition === partition && !seen.has(r.message.eventId) && seen.add(r.message.eventId))
        .map((r) => r.message.globalPosition);
      expect(positions).toEqual([...positions].sort((a, b) => a - b));
    }
  }, 120_000);

  it('sized under the limit by its configured byte budget, never needs a split', async () => {
    const prefix = await smallTopics();
    await db.pool.query("DELETE FROM checkpoints WHERE name = 'kafka-relay'");
    const relay = new KafkaRelay(db.pool, { brokers: brokers(), topicPrefix: prefix, batchSize: 1_000, maxBatchBytes: 18_000 });
    await relay.start();
    try {
      await until(() => relay.status().position >= TOTAL, 60_000);
    } finally {
      await relay.stop();
    }
    expect(relay.status()).toMatchObject({ position: TOTAL, published: TOTAL, splits: 0, batchBytes: 18_000 });
    expect(await consumeAll(prefix, TOTAL)).toHaveLength(TOTAL);
  }, 120_000);

  it('reports one event too large for the broker as a permanent refusal naming it, not as an unreachable broker', async () => {
    const other = await createTestDatabase();
    const otherStore = new PostgresEventStore(other.pool);
    const relay = new KafkaRelay(other.pool, { brokers: brokers(), topicPrefix: await smallTopics(), batchSize: 100 });
    try {
      const small = leaseEvent(1);
      const huge = leaseEvent(2);
      const hugeEvent = { ...huge.event, data: { ...(huge.event.data as object), note: 'x'.repeat(LIMIT * 2) } };
      await otherStore.appendMany([
        { streamId: small.streamId, events: [small.event] },
        { streamId: huge.streamId, events: [hugeEvent] },
      ]);
      await relay.start();
      await until(() => relay.status().state === 'blocked', 30_000);
      const status = relay.status();
      expect(status.state).toBe('blocked');
      expect(status.position).toBe(1);
      expect(status.reason).toMatch(/^Événement en position 2 \(\d+ octets\) refusé par le broker comme trop volumineux/);
      expect(status.reason).not.toMatch(/injoignable/);
      expect(status.lastError).toMatch(/position 2/);
    } finally {
      await relay.stop();
      await otherStore.close();
      await other.drop();
    }
  }, 60_000);
});
