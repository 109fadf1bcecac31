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

  it('after publishing a batch, reads the log again at once from the checkpoint it wrote; after a rest, reads its checkpoint first', async () => {
    const other = await createTestDatabase();
    const otherStore = new PostgresEventStore(other.pool, { pollIntervalMs: 50 });
    // What the relay asks PostgreSQL, in order: its checkpoint, the log's events, the log's head, or its checkpoint's update.
    const asked: string[] = [];
    const recording = new Proxy(other.pool, {
      get(target, property) {
        const value = Reflect.get(target, property, target) as unknown;
        if (property !== 'query')
          return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
        return (text: string | { text: string }, ...rest: unknown[]) => {
          const sql = typeof text === 'string' ? text : text.text;
          if (/^SELECT position FROM checkpoints/.test(sql)) asked.push('checkpoint');
          else if (/gap_safe/.test(sql)) asked.push('read');
          else if (/max\(global_position\) AS head/.test(sql)) asked.push('head');
          else if (/INSERT INTO checkpoints/.test(sql)) asked.push('checkpoint update');
          return (value as (...args: unknown[]) => unknown).call(target, text, ...rest);
        };
      },
    });
    const relay = new KafkaRelay(recording, {
      brokers: brokers(),
      topicPrefix: `vigie-${randomUUID().slice(0, 8)}`,
      pollIntervalMs: 600_000,
      notifier: otherStore.notifications,
    });
    const updates = () => asked.flatMap((kind, index) => (kind === 'checkpoint update' ? [index] : []));
    await relay.start();
    try {
      await until(() => relay.status().state === 'running', 30_000);
      // Given five events appended while the relay runs (a stream of writes: it looks at the head after an empty read)…
      await otherStore.appendMany(leaseAppendBatches(0, 5, 5)[0]!);
      await until(() => relay.status().published === 5 && asked.lastIndexOf('head') > updates()[0]!, 10_000);
      // …then five more once it rests.
      await otherStore.appendMany(leaseAppendBatches(5, 5, 5)[0]!);
      await until(() => relay.status().published === 10 && asked.lastIndexOf('head') > updates()[1]!, 10_000);
      expect(relay.status().published).toBe(10);
      const [first, second] = updates() as [number, number];
      // Each batch's checkpoint update is followed by a read at once, from it: neither the head nor the checkpoint is asked first;
      expect(asked.slice(first, first + 3)).toEqual(['checkpoint update', 'read', 'head']);
      expect(asked.slice(second, second + 3)).toEqual(['checkpoint update', 'read', 'head']);
      // the batch that follows a rest reads the checkpoint first (another process, an operator may have moved it).
      expect(asked.slice(second - 2, second + 1)).toEqual(['checkpoint', 'read', 'checkpoint update']);
    } finally {
      await relay.stop();
      await otherStore.close();
      await other.drop();
    }
  }, 60_000);
});
