import { randomUUID } from 'node:crypto';
import { appendInFlight, createTestDatabase, type TestDatabase } from '../../../../test/support/postgres.js';
import { type NewEvent, type RecordedEvent } from '../event-store.port.js';
import { APPEND_ORDER_LOCK } from './event-store.migrations.js';
import { PostgresEventStore, readBatchOfTypesWith } from './postgres-event-store.js';

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

/** What only the PostgreSQL adapter must prove (gap safety); the shared behaviour is in its contract spec. */
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

  describe('appending', () => {
    it('sends concurrent appends together, in fewer transactions, each answered with its own stream and position', async () => {
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => store.append(`together-${i}`, [event({ i })], { expectedVersion: 'no_stream' })),
      );

      expect(results.map((result) => result.streamId)).toEqual(Array.from({ length: 20 }, (_, i) => `together-${i}`));
      expect(results.map((result) => result.nextExpectedVersion)).toEqual(Array(20).fill(1));
      for (const [i, result] of results.entries()) {
        expect((await store.readEvent((await store.readStream(`together-${i}`)).events[0]!.eventId))?.globalPosition).toBe(
          result.positions[0],
        );
      }
      const { rows } = await db.pool.query<{ appends: number; transactions: number }>(
        'SELECT count(*)::int AS appends, count(DISTINCT tx_id)::int AS transactions FROM events',
      );
      expect(rows[0]!.appends).toBe(20);
      expect(rows[0]!.transactions).toBeLessThan(20);
    });

    it('lets a stale append among concurrent ones fail alone, the others recorded', async () => {
      const outcomes = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) =>
          store.append(`alone-${i}`, [event({ i })], { expectedVersion: i === 13 ? 5 : 'no_stream' }),
        ),
      );

      expect(outcomes.map((outcome) => outcome.status)).toEqual(
        Array.from({ length: 20 }, (_, i) => (i === 13 ? 'rejected' : 'fulfilled')),
      );
      expect((outcomes[13] as PromiseRejectedResult).reason).toMatchObject({ name: 'WrongExpectedVersionError' });
      expect(await countEvents(db)).toBe(19);
      expect((await store.readStream('alone-13')).version).toBe(0);
    });

    it('refuses an event id named twice in one append, writes nothing and leaves the ordering lock free', async () => {
      const id = randomUUID();
      await expect(
        store.appendMany([
          { streamId: 'twice-a', events: [event({ n: 1 }, id)] },
          { streamId: 'twice-b', events: [event({ n: 1 }, id)] },
        ]),
      ).rejects.toMatchObject({ name: 'EventIdConflictError', eventId: id });

      expect(await countEvents(db)).toBe(0);
      const { rows } = await db.pool.query<{ held: number }>(
        `SELECT count(*)::int AS held FROM pg_locks WHERE locktype = 'advisory' AND objid = $1
         AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
        [APPEND_ORDER_LOCK],
      );
      expect(rows[0]!.held).toBe(0);
      const next = await store.append('after', [event({ n: 2 })]);
      expect(next.positions).toHaveLength(1);
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

    it('takes an event as soon as it is committed while an older transaction that appends nothing stays open', async () => {
      const first = await store.append('first', [event({ step: 'first' })]);
      await store.settle();
      // A transaction with an id, older than the next append (a projection writing its tables, a
      // session of another database): readers of `tx_id < xmin` alone waited for it to end.
      const older = await db.pool.connect();
      try {
        await older.query('BEGIN');
        await older.query('SELECT pg_current_xact_id()');
        const next = await store.append('while-open', [event({ step: 'while-open' })]);
        expect((await store.readAll(0, 100)).map((e) => e.data)).toEqual([{ step: 'first' }, { step: 'while-open' }]);
        expect(await store.readHeadPosition()).toBe(next.positions[0]);
        const batch = await readBatchOfTypesWith(db.pool, first.positions[0]!, 10, ['Noted']);
        expect(batch.events.map((e) => e.globalPosition)).toEqual(next.positions);
      } finally {
        await older.query('ROLLBACK');
        older.release();
      }
    });

    it('passes a rolled-back append’s hole only once every transaction older than the event after it has ended', async () => {
      await store.append('first', [event({ step: 'first' })]);
      await store.settle();
      const older = await db.pool.connect();
      try {
        await older.query('BEGIN');
        await older.query('SELECT pg_current_xact_id()');
        // An append that takes its position, then ends without an event: a hole for ever.
        const hole = await appendInFlight(db.pool);
        await hole.end();
        const next = await store.append('after-hole', [event({ step: 'after-hole' })]);
        expect(next.positions[0]).toBe(hole.position + 1);

        // The hole could still be an append in flight as far as a reader knows: the older transaction is open.
        expect((await store.readAll(0, 100)).map((e) => e.data)).toEqual([{ step: 'first' }]);
        expect(await store.readHeadPosition()).toBe(hole.position - 1);
        await older.query('COMMIT');
        await store.settle();
        expect((await store.readAll(0, 100)).map((e) => e.data)).toEqual([{ step: 'first' }, { step: 'after-hole' }]);
        expect(await store.readHeadPosition()).toBe(next.positions[0]);
      } finally {
        await older.query('ROLLBACK').catch(() => undefined);
        older.release();
      }
    });

    it('reads a batch of some types: the batch ends at its last visible event, whatever its type, and only those types travel', async () => {
      for (const [i, type] of ['Noted', 'Kept', 'Noted', 'Kept', 'Noted'].entries()) {
        await store.append(`typed-${i}`, [{ ...event({ i }), type }]);
      }
      await store.settle();
      const first = await readBatchOfTypesWith(db.pool, 0, 3, ['Kept']);
      expect(first.events.map((e) => [e.globalPosition, e.type, e.data])).toEqual([[2, 'Kept', { i: 1 }]]);
      expect(first.last?.globalPosition).toBe(3);
      expect(first.count).toBe(3);
      const rest = await readBatchOfTypesWith(db.pool, 3, 10, ['Kept'], { dataOf: [] });
      expect(rest.events.map((e) => [e.globalPosition, e.data])).toEqual([[4, null]]);
      expect([rest.last?.globalPosition, rest.count]).toEqual([5, 2]);

      // An append holding positions 6 and 7 until its commit hides the one after it: the batch is empty, not [8].
      const inserted = deferred();
      const release = deferred();
      const slow = store.append('slow', [event(), event()], {
        beforeCommit: async () => {
          inserted.resolve();
          await release.promise;
        },
      });
      await inserted.promise;
      try {
        await store.append('after-slow', [{ ...event(), type: 'Kept' }]);
        expect(await readBatchOfTypesWith(db.pool, 5, 10, ['Kept'])).toEqual({ events: [], last: null, count: 0 });
      } finally {
        release.resolve();
      }
      await slow;
      await store.settle();
      const after = await readBatchOfTypesWith(db.pool, 5, 10, ['Kept']);
      expect([after.events.map((e) => e.globalPosition), after.last?.globalPosition, after.count]).toEqual([[8], 8, 3]);
    });

    it('delivers every event of 16 concurrent writers exactly once, in position order, past the holes of rolled-back appends', async () => {
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
          // One append in seven is stale: it takes its positions, then rolls back (holes in the log).
          const stale = (writer * 40 + i) % 7 === 3;
          await store
            .append(
              `writer-${writer}-${i % 5}`,
              Array.from({ length: size }, () => event({ writer, i })),
              stale ? { expectedVersion: 10_000 } : {},
            )
            .catch((error: Error) => {
              if (!stale || error.name !== 'WrongExpectedVersionError') throw error;
            });
        }
      });
      await Promise.all(writers);
      const total = await countEvents(db);
      await waitFor(() => received.length >= total);
      await subscription.stop();

      const { rows } = await db.pool.query<{ global_position: string }>('SELECT global_position FROM events ORDER BY 1');
      expect(received).toEqual(rows.map((row) => Number(row.global_position)));
      expect(new Set(received).size).toBe(total);
      // The stale appends did leave holes: the reads passed them.
      expect(received.at(-1)! - received.length).toBeGreaterThan(0);
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
