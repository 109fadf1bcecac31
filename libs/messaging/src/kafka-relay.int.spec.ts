import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { PostgresEventStore } from '@vigie/event-store';
import { appendInFlight, createTestDatabase, type TestDatabase } from '../../../test/support/postgres.js';
import { leaseAppendBatches } from '../../../test/support/lease-events.js';
import { KafkaRelay, type EventMessage } from './kafka-relay.js';

const brokers = () => process.env.VIGIE_TEST_KAFKA_BROKERS!.split(',');

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}

describe('Kafka relay', () => {
  let db: TestDatabase;
  let store: PostgresEventStore;

  beforeAll(async () => {
    db = await createTestDatabase();
    store = new PostgresEventStore(db.pool, { pollIntervalMs: 50 });
  });

  afterAll(async () => {
    await store.close();
    await db.drop();
  });

  it('stays disabled without brokers and keeps its checkpoint at 0', async () => {
    const relay = new KafkaRelay(db.pool, { brokers: [] });
    await relay.start();
    expect(relay.status()).toMatchObject({ state: 'disabled', position: 0 });
    await relay.stop();
  });

  it('publishes every event once, keyed by stream, with its id in the headers, then checkpoints', async () => {
    for (const batch of leaseAppendBatches(0, 600, 200)) await store.appendMany(batch);
    const prefix = `vigie-${randomUUID().slice(0, 8)}`;
    const relay = new KafkaRelay(db.pool, {
      brokers: brokers(),
      topicPrefix: prefix,
      batchSize: 250,
      pollIntervalMs: 50,
      notifier: store.notifications,
    });
    const received: Array<{ key: string; headerId: string; message: EventMessage }> = [];
    const consumer = new Kafka({ clientId: 'relay-spec', brokers: brokers(), logLevel: logLevel.NOTHING }).consumer({
      groupId: `relay-spec-${randomUUID()}`,
    });
    await relay.start();
    try {
      await until(() => relay.status().state === 'running', 30_000);
      expect(relay.status().state).toBe('running');
      await consumer.connect();
      await consumer.subscribe({ topic: `${prefix}.attributions.v1`, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          received.push({
            key: message.key!.toString(),
            headerId: message.headers!['event-id']!.toString(),
            message: JSON.parse(message.value!.toString()),
          });
        },
      });
      await until(() => received.length >= 600, 45_000);
    } finally {
      await consumer.disconnect();
      await relay.stop();
    }

    const { rows } = await db.pool.query<{ event_id: string; global_position: string }>(
      'SELECT event_id, global_position FROM events',
    );
    expect(received).toHaveLength(600);
    expect(new Set(received.map((r) => r.message.eventId))).toEqual(new Set(rows.map((row) => row.event_id)));
    for (const r of received) {
      expect(r.key).toBe(r.message.streamId);
      expect(r.headerId).toBe(r.message.eventId);
      expect(r.message.type).toBe('LeaseSigned');
    }
    const head = Math.max(...rows.map((row) => Number(row.global_position)));
    expect(relay.status()).toMatchObject({ position: head, published: 600 });
  }, 90_000);

  it('publishes an event an append in flight below it hid when its append woke the relay, without waiting for the poll interval', async () => {
    const relay = new KafkaRelay(db.pool, {
      brokers: brokers(),
      topicPrefix: `vigie-${randomUUID().slice(0, 8)}`,
      // Far beyond the test's time: only the wake-up and the look-again can publish the event.
      pollIntervalMs: 600_000,
      notifier: store.notifications,
    });
    await relay.start();
    let inFlight: Awaited<ReturnType<typeof appendInFlight>> | undefined;
    try {
      await until(() => relay.status().state === 'running', 30_000);
      expect(relay.status()).toMatchObject({ state: 'running', published: 0 });
      // An append in flight below the event's position: the gap-safe read hides the event until it ends.
      inFlight = await appendInFlight(db.pool);
      await store.appendMany(leaseAppendBatches(600, 1, 1)[0]!);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(relay.status().published).toBe(0);
      // Its end (a hole: it inserts nothing) sends no notification: the relay finds the event by looking again.
      await inFlight.end();
      inFlight = undefined;
      await until(() => relay.status().published === 1, 10_000);
      expect(relay.status().published).toBe(1);
    } finally {
      await inFlight?.end();
      await relay.stop();
    }
  }, 60_000);
});
