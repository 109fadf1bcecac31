import { join, resolve } from 'node:path';
import { Pool } from 'pg';
import { type VigieConfig } from '@vigie/config';
import { eventStoreMigrations, PostgresEventStore } from '@vigie/event-store';
import { KafkaRelay } from '@vigie/messaging';
import { projectionMigrations } from '@vigie/projections';
import { importMigrations } from '../imports/imports.migrations.js';
import { createPool, migrate, type Migration, type RunningPostgres, startEmbeddedPostgres } from '@vigie/postgres';

export const ALL_MIGRATIONS: readonly Migration[] = [...eventStoreMigrations, ...projectionMigrations, ...importMigrations];

/** Everything the process holds open: built once in main, closed once at shutdown. */
export interface Runtime {
  readonly config: VigieConfig;
  readonly pool: Pool;
  readonly store: PostgresEventStore;
  readonly relay: KafkaRelay;
  readonly database: { readonly embedded: boolean; readonly description: string };
  close(): Promise<void>;
}

export const RUNTIME = Symbol('Runtime');

type Log = (message: string) => void;

function describeUrl(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || 5432}${parsed.pathname}`;
}

/**
 * Connects to PostgreSQL (DATABASE_URL, or an embedded server under VIGIE_DATA_DIR),
 * applies the schema migrations, and prepares the event store and the Kafka relay.
 */
export async function startRuntime(config: VigieConfig, log: Log): Promise<Runtime> {
  let embedded: RunningPostgres | undefined;
  let url = config.DATABASE_URL;
  if (!url) {
    const dataDir = join(resolve(config.VIGIE_DATA_DIR), 'postgres');
    log(`No DATABASE_URL: starting an embedded PostgreSQL in ${dataDir} (port ${config.EMBEDDED_POSTGRES_PORT})`);
    embedded = await startEmbeddedPostgres({ dataDir, port: config.EMBEDDED_POSTGRES_PORT, log });
    url = embedded.connectionString;
  }
  const pool = createPool(url, config.DATABASE_POOL_SIZE);
  try {
    const applied = await migrate(pool, ALL_MIGRATIONS);
    if (applied.length) log(`Schema migrations applied: ${applied.join(', ')}`);
  } catch (error) {
    await pool.end();
    await embedded?.stop();
    throw error;
  }
  const store = new PostgresEventStore(pool, { pollIntervalMs: config.POLL_INTERVAL_MS });
  const relay = new KafkaRelay(pool, {
    brokers: config.KAFKA_BROKERS?.split(','),
    clientId: config.KAFKA_CLIENT_ID,
    topicPrefix: config.KAFKA_TOPIC_PREFIX,
    batchSize: config.KAFKA_RELAY_BATCH_SIZE,
    pollIntervalMs: config.POLL_INTERVAL_MS,
    notifier: store.notifications,
    log: (_level, message) => log(message),
  });
  return {
    config,
    pool,
    store,
    relay,
    database: { embedded: Boolean(embedded), description: `${embedded ? 'embedded ' : ''}${describeUrl(url)}` },
    async close() {
      await relay.stop();
      await store.close();
      await pool.end();
      await embedded?.stop();
    },
  };
}
