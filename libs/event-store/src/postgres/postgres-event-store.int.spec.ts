import { randomUUID } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/postgres.js';
import { type NewEvent, type RecordedEvent } from '../event-store.port.js';
import { EventIdConflictError, WrongExpectedVersionError } from '../event-store.errors.js';
import { PostgresEventStore } from './postgres-event-store.js';

function event(data: Record<string, unknown> = {}, eventId = randomUUID()): NewEvent {
  return { eventId, type: 'Noted', data, metadata: { actor: 'test', source: 'spec' } };
}

async function countEvents(db: TestDatabase): Promise<number> {
  const { rows } = await db.pool.query<{ count: string }>('SELECT count(*) FROM events');
  return Number(rows[0]!.count);
}

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('PostgreSQL event store', () => {
  let db: TestDatabase;
  let store: PostgresEventStore;

  beforeEach(async () => {
    db = await createTestDatabase();
    store = new PostgresEventStore(db.pool, { pollIntervalMs: 50 });
  });

  afterEach(async () => {
    await store.close();
    await db.drop();
  });

  describe('appending to a stream', () => {
    it('numbers events from version 1 and reads them back with their metadata', async () => {
      const result = await store.append('case-1', [event({ n: 1 }), event({ n: 2 })], { expectedVersion: 'no_stream' });
      expect(result.nextExpectedVersion).toBe(2);
      expect(result.positions).toHaveLength(2);
      expect(result.positions[1]).toBe(result.positions[0]! + 1);

      const { events, version } = await store.readStream('case-1');
      expect(version).toBe(2);
      expect(events.map((e) => [e.streamVersion, e.data])).toEqual([
        [1, { n: 1 }],
        [2, { n: 2 }],
      ]);
      expect(events[0]!.metadata).toEqual({ actor: 'test', source: 'spec' });
      expect(events[0]!.schemaVersion).toBe(1);
    });

    it('refuses an append whose expected version is stale, and writes nothing', async () => {
      await store.append('case-1', [event()], { expectedVersion: 'no_stream' });
      await expect(store.append('case-1', [event()], { expectedVersion: 'no_stream' })).rejects.toMatchObject({
        name: 'WrongExpectedVersionError',
        expected: 'no_stream',
        actual: 1,
      });
      await expect(store.append('case-1', [event()], { expectedVersion: 3 })).rejects.toBeInstanceOf(WrongExpectedVersionError);
      expect(await countEvents(db)).toBe(1);
      await store.append('case-1', [event()], { expectedVersion: 1 });
      expect((await store.readStream('case-1')).version).toBe(2);
    });

    it('lets exactly one of concurrent writers expecting the same version win', async () => {
      await store.append('case-1', [event()]);
      const outcomes = await Promise.allSettled(
        Array.from({ length: 8 }, () => store.append('case-1', [event()], { expectedVersion: 1 })),
      );
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      expect(outcomes.filter((o) => o.status === 'rejected' && o.reason instanceof WrongExpectedVersionError)).toHaveLength(7);
      expect((await store.readStream('case-1')).version).toBe(2);
    });
  });

  describe('idempotency by event id', () => {
    it('records the same event id once and answers the retry with the original positions', async () => {
      const first = await store.append('case-1', [event({ n: 1 }, '6f1c1c9e-9a53-4c8e-9d0e-3b0e7c1f0a01')]);
      const retry = await store.append('case-1', [event({ n: 1 }, '6f1c1c9e-9a53-4c8e-9d0e-3b0e7c1f0a01')], {
        expectedVersion: 'no_stream',
      });
      expect(retry).toEqual({ ...first, alreadyRecorded: true });
      expect(first.alreadyRecorded).toBe(false);
      expect(await countEvents(db)).toBe(1);
    });

    it('refuses the same event id with other content', async () => {
      const id = randomUUID();
      await store.append('case-1', [event({ n: 1 }, id)]);
      await expect(store.append('case-1', [event({ n: 2 }, id)])).rejects.toBeInstanceOf(EventIdConflictError);
      await expect(store.append('case-2', [event({ n: 1 }, id)])).rejects.toBeInstanceOf(EventIdConflictError);
      expect(await countEvents(db)).toBe(1);
    });

    it('keeps one event when identical retries race', async () => {
      const id = randomUUID();
      const outcomes = await Promise.allSettled(Array.from({ length: 6 }, () => store.append('case-1', [event({ n: 1 }, id)])));
      const positions = outcomes.flatMap((o) => (o.status === 'fulfilled' ? o.value.positions : []));
      expect(new Set(positions).size).toBe(1);
      expect(await countEvents(db)).toBe(1);
    });
  });

  describe('appending to many streams in one transaction', () => {
    it('writes all streams or none', async () => {
      await store.append('case-2', [event()]);
      await expect(
        store.appendMany([
          { streamId: 'case-1', events: [event()], expectedVersion: 'no_stream' },
          { streamId: 'case-2', events: [event()], expectedVersion: 'no_stream' },
        ]),
      ).rejects.toBeInstanceOf(WrongExpectedVersionError);
      expect(await countEvents(db)).toBe(1);

      const results = await store.appendMany([
        { streamId: 'case-1', events: [event(), event()], expectedVersion: 'no_stream' },
        { streamId: 'case-2', events: [event()], expectedVersion: 1 },
      ]);
      expect(results.map((r) => r.nextExpectedVersion)).toEqual([2, 2]);
      expect(await countEvents(db)).toBe(4);
    });

    it('skips streams already recorded identically when a batch is sent again', async () => {
      const batch = [
        { streamId: 'case-1', events: [event({ a: 1 })] },
        { streamId: 'case-2', events: [event({ b: 1 })] },
      ];
      await store.appendMany([batch[0]!]);
      const results = await store.appendMany(batch);
      expect(results.map((r) => r.alreadyRecorded)).toEqual([true, false]);
      expect(await countEvents(db)).toBe(2);
    });
  });

  describe('reading the global log', () => {
    it('never skips an append that commits after a later position became visible', async () => {
      await store.append('before', [event({ step: 'before' })]);
      // Readers wait for every transaction of the whole server: one of another suite, older than
      // this append, may still run on a loaded machine. Start the trap once it is visible.
      for (let tries = 0; (await store.readAll(0, 1)).length === 0 && tries < 500; tries += 1) {
        await new Promise((r) => setTimeout(r, 20));
      }
      const received: RecordedEvent[] = [];
      const subscription = store.subscribe({
        after: 0,
        batchSize: 2,
        handler: async (events) => {
          received.push(...events);
        },
      });

      // A takes its positions, then stalls before COMMIT; B and C commit meanwhile.
      const inserted = deferred();
      const release = deferred();
      const slow = store.append('slow-A', [event({ step: 'A1' }), event({ step: 'A2' })], {
        beforeCommit: async () => {
          inserted.resolve();
          await release.promise;
        },
      });
      await inserted.promise;
      // However this test ends, A's transaction must end with it: left open, it would hold every
      // reader of the shared server back (and the database drop would wait for it for ever).
      let b: Awaited<ReturnType<typeof store.append>>;
      try {
        b = await store.append('fast-B', [event({ step: 'B' })]);
        const c = await store.append('fast-C', [event({ step: 'C' })]);

        // The trap is real: B and C are visible past A's uncommitted positions.
        const { rows } = await db.pool.query<{ max: string }>('SELECT max(global_position) AS max FROM events');
        expect(Number(rows[0]!.max)).toBe(c.positions[0]);
        const visibleNow = await store.readAll(0, 100);
        expect(visibleNow.map((e) => e.data)).toEqual([{ step: 'before' }]);
        await new Promise((r) => setTimeout(r, 300));
        expect(received.map((e) => e.data)).toEqual([{ step: 'before' }]);
      } finally {
        release.resolve();
      }
      const a = await slow;
      expect(a.positions[1]).toBeLessThan(b.positions[0]!);
      await waitFor(() => received.length === 5);
      await subscription.stop();

      expect(received.map((e) => e.data)).toEqual([
        { step: 'before' },
        { step: 'A1' },
        { step: 'A2' },
        { step: 'B' },
        { step: 'C' },
      ]);
      const positions = received.map((e) => e.globalPosition);
      expect(positions).toEqual([...positions].sort((x, y) => x - y));
    });

    it('delivers every event of 16 concurrent writers exactly once, in position order', async () => {
      const received: number[] = [];
      const subscription = store.subscribe({
        after: 0,
        batchSize: 37,
        handler: async (events) => {
          received.push(...events.map((e) => e.globalPosition));
        },
      });
      const writers = Array.from({ length: 16 }, async (_, writer) => {
        for (let i = 0; i < 40; i += 1) {
          const size = 1 + ((writer + i) % 3);
          await store.append(
            `writer-${writer}-${i % 5}`,
            Array.from({ length: size }, () => event({ writer, i })),
          );
        }
      });
      await Promise.all(writers);
      const total = await countEvents(db);
      await waitFor(() => received.length >= total);
      await subscription.stop();

      const { rows } = await db.pool.query<{ global_position: string }>('SELECT global_position FROM events ORDER BY 1');
      expect(received).toEqual(rows.map((row) => Number(row.global_position)));
      expect(new Set(received).size).toBe(total);
    });
  });

  describe('reading one event', () => {
    it('finds an event by its id, and nothing for an unknown or malformed id', async () => {
      const id = randomUUID();
      await store.append('case-1', [event({ n: 1 }, id)]);
      expect((await store.readEvent(id))?.data).toEqual({ n: 1 });
      expect(await store.readEvent(randomUUID())).toBeUndefined();
      expect(await store.readEvent('not-a-uuid')).toBeUndefined();
    });
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
