import { Pool, type PoolConfig } from 'pg';
import { DataSource, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * One forward-only schema step, owned by the library that owns the tables. Each becomes a
 * TypeORM migration through `typeormMigration` (one generic factory), so a library adds a step by
 * adding `{ id, sql }` to its list, as before TypeORM ran them.
 */
export interface Migration {
  /** Stable id, `owner/NNN-what`; never renamed once released. */
  readonly id: string;
  readonly sql: string;
}

/** TypeORM's table of executed migrations. */
export const MIGRATIONS_TABLE = 'typeorm_migrations';
/** The table of the hand-written runner TypeORM replaced: its ids count as applied. */
const LEGACY_TABLE = 'schema_migrations';
const MIGRATION_LOCK = 7_355_601;

/**
 * TypeORM orders migrations by the 13-digit timestamp that ends their name. Vigie's order is the
 * order of the list (each library's steps after those it builds on), so every migration carries
 * the same timestamp and TypeORM's stable sort keeps the list order; a step added to the middle of
 * a list by another branch therefore needs no renumbering.
 */
const ORDER_TIMESTAMP = '1000000000000';

/** The name TypeORM records for a migration: its id and the shared timestamp. */
export function migrationName(id: string): string {
  return `${id}@${ORDER_TIMESTAMP}`;
}

function idOf(name: string): string {
  return name.endsWith(`@${ORDER_TIMESTAMP}`) ? name.slice(0, -(ORDER_TIMESTAMP.length + 1)) : name;
}

/** A `{ id, sql }` step as a TypeORM migration class (plain SQL, run in its own transaction; forward only). */
export function typeormMigration(migration: Migration): new () => MigrationInterface {
  return class implements MigrationInterface {
    readonly name = migrationName(migration.id);

    async up(queryRunner: QueryRunner): Promise<void> {
      try {
        await queryRunner.query(migration.sql);
      } catch (error) {
        throw new Error(`Migration ${migration.id} failed: ${(error as Error).message}`, { cause: error });
      }
    }

    async down(): Promise<void> {
      throw new Error(`Migration ${migration.id} is forward-only: restore a backup to go back`);
    }
  };
}

/**
 * Applies, through TypeORM's migration runner, the migrations not yet recorded, in the order
 * given, each in its own transaction. Concurrent starters (several API and projector processes)
 * wait on one advisory lock, held on a connection of `pool` while TypeORM runs. A database
 * migrated by the hand-written runner this replaced keeps its history: the ids in
 * `schema_migrations` are recorded as executed in TypeORM's table first, so nothing runs twice.
 * Returns the ids applied by this call.
 */
export async function migrate(pool: Pool, migrations: readonly Migration[]): Promise<string[]> {
  const lock = await pool.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await adoptLegacyHistory(lock);
    const source = new DataSource({
      type: 'postgres',
      ...connectionOf(pool),
      poolSize: 1,
      migrations: migrations.map(typeormMigration),
      migrationsTableName: MIGRATIONS_TABLE,
      migrationsTransactionMode: 'each',
      logging: false,
    });
    await source.initialize();
    try {
      const applied = await source.runMigrations({ transaction: 'each' });
      return applied.map((migration) => idOf(migration.name));
    } finally {
      await source.destroy();
    }
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    lock.release();
  }
}

/** TypeORM's table (as TypeORM creates it), with every id the previous runner recorded. */
async function adoptLegacyHistory(client: { query: Pool['query'] }): Promise<void> {
  await client.query(
    `CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (
       id serial PRIMARY KEY,
       "timestamp" bigint NOT NULL,
       name character varying NOT NULL
     )`,
  );
  const { rows } = await client.query<{ exists: boolean }>('SELECT to_regclass($1) IS NOT NULL AS exists', [LEGACY_TABLE]);
  if (!rows[0]?.exists) return;
  await client.query(
    `INSERT INTO ${MIGRATIONS_TABLE} ("timestamp", name)
     SELECT $1::bigint, l.id || '@' || $1 FROM ${LEGACY_TABLE} l
     WHERE NOT EXISTS (SELECT 1 FROM ${MIGRATIONS_TABLE} t WHERE t.name = l.id || '@' || $1)
     ORDER BY l.applied_at, l.id`,
    [ORDER_TIMESTAMP],
  );
}

/** The connection settings of a pool, for TypeORM's own short-lived connection. */
function connectionOf(pool: Pool): {
  url?: string;
  host?: string;
  port?: number;
  username?: string;
  password?: string;
  database?: string;
} {
  const options = (pool as unknown as { options: PoolConfig }).options;
  if (options.connectionString) return { url: options.connectionString };
  return {
    host: options.host,
    port: options.port,
    username: options.user,
    password: typeof options.password === 'string' ? options.password : undefined,
    database: options.database,
  };
}
