import { PostgresEventStore } from '@vigie/event-store';
import { type Pool } from 'pg';
import { allMigrations, createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { type Migration, migrate, MIGRATIONS_TABLE } from '@vigie/postgres';

/**
 * The hand-written runner TypeORM replaced, as main ran it: each migration's SQL in its own
 * transaction, its id recorded in schema_migrations. A database it built is the previous version.
 */
async function legacyMigrate(pool: Pool, migrations: readonly Migration[]): Promise<void> {
  await pool.query(
    'CREATE TABLE IF NOT EXISTS schema_migrations (id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
  );
  for (const migration of migrations) {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(migration.sql);
      await client.query('INSERT INTO schema_migrations (id) VALUES ($1)', [migration.id]);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
  }
}

describe('Schema migrations through TypeORM', () => {
  let db: TestDatabase;

  beforeEach(async () => {
    db = await createTestDatabase({ migrate: false });
  });

  afterEach(async () => {
    await db.drop();
  });

  it('takes over a database migrated by the previous runner without running anything twice or losing a row', async () => {
    await legacyMigrate(db.pool, allMigrations);
    const store = new PostgresEventStore(db.pool);
    await store.append('case-1', [
      { eventId: '6f1c1c9e-9a53-4c8e-9d0e-3b0e7c1f0a01', type: 'Noted', data: { n: 1 }, metadata: { actor: 'test' } },
    ]);
    await db.pool.query("INSERT INTO checkpoints (name, position) VALUES ('compliance', 1)");

    expect(await migrate(db.pool, allMigrations)).toEqual([]);
    const { rows: recorded } = await db.pool.query<{ name: string }>(`SELECT name FROM ${MIGRATIONS_TABLE} ORDER BY id`);
    expect(recorded.map((row) => row.name.split('@')[0])).toEqual(allMigrations.map((migration) => migration.id));
    expect((await store.readStream('case-1')).events.map((event) => event.data)).toEqual([{ n: 1 }]);
    expect((await db.pool.query("SELECT position FROM checkpoints WHERE name = 'compliance'")).rows).toEqual([{ position: '1' }]);

    // A step added later (by any library, anywhere in its list) runs once, then never again.
    const added: Migration = {
      id: 'test/001-added',
      sql: 'CREATE TABLE added (id int PRIMARY KEY); INSERT INTO added VALUES (1);',
    };
    const withAdded = [...allMigrations.slice(0, 2), added, ...allMigrations.slice(2)];
    expect(await migrate(db.pool, withAdded)).toEqual(['test/001-added']);
    expect(await migrate(db.pool, withAdded)).toEqual([]);
    expect((await db.pool.query('SELECT count(*)::int AS n FROM added')).rows).toEqual([{ n: 1 }]);
    await store.close();
  });

  it('lets concurrent starters apply each migration once, in the order of the list', async () => {
    const outcomes = await Promise.all([
      migrate(db.pool, allMigrations),
      migrate(db.pool, allMigrations),
      migrate(db.pool, allMigrations),
    ]);
    expect(outcomes.flat().sort()).toEqual(allMigrations.map((migration) => migration.id).sort());
    const { rows } = await db.pool.query<{ name: string }>(`SELECT name FROM ${MIGRATIONS_TABLE} ORDER BY id`);
    expect(rows.map((row) => row.name.split('@')[0])).toEqual(allMigrations.map((migration) => migration.id));
  });

  it('applies nothing of a failing migration and names it', async () => {
    const broken: Migration = { id: 'test/002-broken', sql: 'CREATE TABLE half (id int); SELECT no_such_function();' };
    await expect(migrate(db.pool, [...allMigrations, broken])).rejects.toThrow(/test\/002-broken/);
    expect((await db.pool.query("SELECT to_regclass('half') IS NULL AS absent")).rows).toEqual([{ absent: true }]);
    expect(await migrate(db.pool, allMigrations)).toEqual([]);
  });
});
