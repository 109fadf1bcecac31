import { Client } from 'pg';
import { createPool } from './pool.js';
import { createTestDatabase, type TestDatabase } from '../../../test/support/postgres.js';

/** The plan of `sql` as EXPLAIN (ANALYZE, FORMAT JSON) gives it, through `db`. */
async function planOf(db: Pick<Client, 'query'>, sql: string): Promise<Record<string, unknown>> {
  const { rows } = await db.query<{ 'QUERY PLAN': Array<Record<string, unknown>> }>(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`);
  return rows[0]!['QUERY PLAN'][0]!;
}

const COSTLY = 'SELECT sum(g) FROM generate_series(1, 1000) AS g';

describe("Vigie's connection pool", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ migrate: false });
  });
  afterAll(() => db.drop());

  it('runs its sessions with JIT compilation off', async () => {
    const { rows } = await db.pool.query<{ jit: string }>('SHOW jit');
    expect(rows[0]!.jit).toBe('off');
  });

  it('leaves JIT to PostgreSQL for a pool that asks for it (a rebuild)', async () => {
    const rebuilding = createPool(db.url, 1, { jit: true });
    try {
      const { rows } = await rebuilding.query<{ jit: string }>('SHOW jit');
      expect(rows[0]!.jit).toBe('on');
    } finally {
      await rebuilding.end();
    }
  });

  it('never compiles a statement, however costly PostgreSQL estimates it, where a plain session would', async () => {
    const pooled = await db.pool.connect();
    const plain = new Client({ connectionString: db.url });
    await plain.connect();
    try {
      // Every statement passes the cost threshold now.
      for (const session of [pooled, plain]) await session.query('SET jit_above_cost = 0');
      expect(await planOf(pooled, COSTLY)).not.toHaveProperty('JIT');
      const { rows } = await plain.query<{ available: boolean }>('SELECT pg_jit_available() AS available');
      // Where the server can compile at all, a session left as PostgreSQL opens it does.
      if (rows[0]!.available) expect(await planOf(plain, COSTLY)).toHaveProperty('JIT');
    } finally {
      pooled.release();
      await plain.end();
    }
  });
});
