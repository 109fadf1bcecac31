import { randomUUID } from 'node:crypto';
import { Pool, type PoolClient } from 'pg';
import { PostgresEventStore } from '@vigie/event-store';
import { createTestDatabase, type TestDatabase, untilVisible } from '../../../test/support/postgres.js';
import { type BatchRange, type Projection } from './projection.js';
import { ProjectionRunner } from './projection-runner.js';

/**
 * A projection that records the positions each batch was given, in a table without a key (an
 * event applied twice shows twice); `hold` keeps each batch's transaction open that long (ms).
 */
class PositionsProjection implements Projection {
  readonly name = 'spec_positions';
  readonly tables = ['spec_positions'];
  failNext = false;

  constructor(private readonly holdMs = 0) {}

  async createTables(client: PoolClient): Promise<void> {
    await client.query('CREATE TABLE IF NOT EXISTS spec_positions (position bigint NOT NULL)');
  }

  async apply(client: PoolClient, events: readonly { globalPosition: number }[], _batch: BatchRange): Promise<void> {
    if (this.failNext) {
      this.failNext = false;
      throw new Error('apply failed');
    }
    await client.query('INSERT INTO spec_positions SELECT p FROM unnest($1::bigint[]) AS p, (SELECT pg_sleep($2)) AS held', [
      events.map((event) => event.globalPosition),
      this.holdMs / 1_000,
    ]);
  }
}

/** The pool, with every statement sent on a client it lends recorded in `sent` (the text of each round trip). */
function recording(pool: Pool, sent: string[]): Pool {
  return new Proxy(pool, {
    get(target, property) {
      if (property !== 'connect') {
        const value = Reflect.get(target, property, target) as unknown;
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      }
      return async () => {
        const client = await target.connect();
        return new Proxy(client, {
          get(inner, name) {
            const value = Reflect.get(inner, name, inner) as unknown;
            if (name !== 'query')
              return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(inner) : value;
            return (text: string | { text: string }, ...rest: unknown[]) => {
              sent.push(typeof text === 'string' ? text : text.text);
              return (value as (...args: unknown[]) => unknown).call(inner, text, ...rest);
            };
          },
        });
      };
    },
  });
}

describe('Projection runner batches', () => {
  let db: TestDatabase;
  let store: PostgresEventStore;

  beforeEach(async () => {
    db = await createTestDatabase();
    store = new PostgresEventStore(db.pool);
    const client = await db.pool.connect();
    await new PositionsProjection().createTables(client);
    client.release();
  });

  afterEach(async () => {
    await store.close();
    await db.drop();
  });

  const appendEvents = async (count: number) => {
    for (let i = 0; i < count; i += 1)
      await store.append(`spec-${i}`, [
        { eventId: randomUUID(), type: 'SpecHappened', data: { i }, metadata: { actor: 'spec' } },
      ]);
    await untilVisible(db.pool);
  };
  const applied = async () =>
    (await db.pool.query<{ position: string }>('SELECT position FROM spec_positions ORDER BY position')).rows.map((row) =>
      Number(row.position),
    );

  it('applies each event once when two processes run the same projection at the same moment', async () => {
    // Given two runners of one projection on two pools (two processes), its checkpoint recorded, then ten events…
    const other = new Pool({ connectionString: db.url });
    const advisoryLocks = async (granted: boolean) =>
      Number(
        (await db.pool.query("SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND granted = $1", [granted]))
          .rows[0].n,
      );
    const until = async (condition: () => Promise<boolean>) => {
      const deadline = Date.now() + 10_000;
      while (!(await condition())) {
        if (Date.now() > deadline) throw new Error('condition not met in 10 s');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    };
    try {
      const first = new ProjectionRunner(db.pool, new PositionsProjection(1_500), { batchSize: 10 });
      const second = new ProjectionRunner(other, new PositionsProjection(), { batchSize: 10 });
      expect(await first.runOnce()).toBe(0);
      await appendEvents(10);
      // …when the second starts its batch while the first holds the projection's lock (its batch held open 1.5 s),
      const applying = first.runOnce();
      await until(async () => (await advisoryLocks(true)) > 0);
      const waiting = second.runOnce();
      await until(async () => (await advisoryLocks(false)) > 0);
      // then, once it has the lock, the second reads the checkpoint the first committed: it has nothing left to apply.
      expect(await Promise.all([applying, waiting])).toEqual([10, 0]);
      expect(await applied()).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    } finally {
      await other.end();
    }
  });

  it('opens a batch in one round trip and closes it with its checkpoint in one more', async () => {
    await appendEvents(3);
    const sent: string[] = [];
    const runner = new ProjectionRunner(recording(db.pool, sent), new PositionsProjection(), { batchSize: 10 });
    expect(await runner.runOnce()).toBe(3);
    // Besides the read of the batch's events (the event store's): the opening (BEGIN, lock,
    // checkpoint), the projection's one statement, and the checkpoint with the COMMIT.
    const own = sent.filter((text) => !/\bevents\b/.test(text));
    expect(own).toHaveLength(3);
    expect(own[0]).toMatch(/^BEGIN;[\s\S]*pg_advisory_xact_lock[\s\S]*INSERT INTO checkpoints[\s\S]*SELECT position/);
    expect(own[2]).toMatch(/UPDATE checkpoints SET position = 3[\s\S]*COMMIT$/);
    expect(Number((await db.pool.query("SELECT position FROM checkpoints WHERE name = 'spec_positions'")).rows[0].position)).toBe(
      3,
    );
  });

  it('rolls a failed batch back with its checkpoint, and the next batch applies it whole', async () => {
    await appendEvents(4);
    const projection = new PositionsProjection();
    const runner = new ProjectionRunner(db.pool, projection, { batchSize: 10 });
    projection.failNext = true;
    await expect(runner.runOnce()).rejects.toThrow('apply failed');
    expect(await applied()).toEqual([]);
    expect(
      Number((await db.pool.query("SELECT position FROM checkpoints WHERE name = 'spec_positions'")).rows[0]?.position ?? 0),
    ).toBe(0);
    // Nothing was left held (transaction, lock): the next batch applies every event, once.
    expect(await runner.runOnce()).toBe(4);
    expect(await applied()).toEqual([1, 2, 3, 4]);
  });
});
