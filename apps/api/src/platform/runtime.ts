import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Pool } from 'pg';
import { ConfigError, eventLogChoice, type VigieConfig } from '@vigie/config';
import {
  describeRepair,
  type EventLog,
  type EventStore,
  eventStoreMigrations,
  openEventLog,
  type PostgresEventNotifier,
  repairForeignTransactionIds,
} from '@vigie/event-store';
import { randomBytes } from 'node:crypto';
import {
  accessMigrations,
  ApiKeyEntity,
  ApiKeyStore,
  loadOrCreateKeyFile,
  PeopleStore,
  peopleMigrations,
  PersonEntity,
  Pseudonymiser,
  SignInLinkEntity,
} from '@vigie/access';
import type { DataSource } from 'typeorm';
import { ImportEntity } from '../imports/import.entity.js';
import { KafkaRelay } from '@vigie/messaging';
import { projectionMigrations, STREAM_IDS_MIGRATION_ID, streamIdMoves } from '@vigie/projections';
import { importMigrations } from '../imports/imports.migrations.js';
import { StartupError } from './startup-error.js';
import { attributionMigrations } from '../attribution/attribution.migrations.js';
import {
  createPool,
  migrate,
  openDataSource,
  type Migration,
  type RunningPostgres,
  embeddedDataDir,
  startEmbeddedPostgres,
  waitForDatabase,
} from '@vigie/postgres';

export const ALL_MIGRATIONS: readonly Migration[] = [
  ...eventStoreMigrations,
  ...projectionMigrations,
  ...importMigrations,
  ...attributionMigrations,
  ...accessMigrations,
  ...peopleMigrations,
];

/** The tables TypeORM maps (entities and repositories): operations' records, not facts nor read models. */
export const OPERATIONAL_ENTITIES = [ApiKeyEntity, PersonEntity, SignInLinkEntity, ImportEntity];

/** Everything the process holds open: built once in main, closed once at shutdown. */
export interface Runtime {
  readonly config: VigieConfig;
  readonly pool: Pool;
  /**
   * The in-process projector's own connections (projection runners, alert monitor, Kafka relay):
   * requests queued for a connection of `pool` under load never hold back the figures, the alerts
   * nor their publication.
   */
  readonly projectorPool: Pool;
  /** TypeORM over `pool`, for the operational tables (OPERATIONAL_ENTITIES); the log and read models use `pool`. */
  readonly dataSource: DataSource;
  /** The event log, through its port: PostgreSQL (default) or KurrentDB (EVENT_STORE). */
  readonly store: EventStore & { close(): Promise<void> };
  /** Which store holds the log, for /health and the logs. */
  readonly eventStore: { readonly kind: 'postgres' | 'kurrentdb'; readonly description: string };
  /**
   * With the log outside PostgreSQL: the store the log mirror copies from (its runner goes first
   * among the projections). Undefined when the log is PostgreSQL's own events table.
   */
  readonly logStore: EventLog['logStore'];
  /** Wakes the readers of PostgreSQL's events table (the log, or its mirror) in every process. */
  readonly notifier: PostgresEventNotifier;
  readonly relay: KafkaRelay;
  readonly keys: ApiKeyStore;
  /** People who sign in to the web application (sessions, invitations). */
  readonly people: PeopleStore;
  /** The key signing session cookies. */
  readonly sessionSecret: string;
  readonly pseudonymiser: Pseudonymiser;
  readonly database: { readonly embedded: boolean; readonly description: string };
  /** The time of a request: the one clock commands and reads take "now" from (a test may shift it). */
  readonly clock: () => Date;
  close(): Promise<void>;
}

export const RUNTIME = Symbol('Runtime');

/** Four projection runners, the alert monitor (its lock and its reads) and the relay. */
const PROJECTOR_POOL_SIZE = 8;

type Log = (message: string, level?: 'log' | 'warn') => void;

function describeUrl(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || 5432}${parsed.pathname}`;
}

/**
 * Connects to PostgreSQL (DATABASE_URL, or an embedded server under VIGIE_DATA_DIR),
 * applies the schema migrations, and prepares the event store and the Kafka relay.
 */
export async function startRuntime(config: VigieConfig, log: Log, clock: () => Date = () => new Date()): Promise<Runtime> {
  const pseudonymiser = new Pseudonymiser(pseudonymisationKey(config, log));
  let embedded: RunningPostgres | undefined;
  let url = config.DATABASE_URL;
  if (!url) {
    const dataDir = embeddedDataDir(config.VIGIE_DATA_DIR);
    log(`No DATABASE_URL: starting an embedded PostgreSQL in ${dataDir} (port ${config.EMBEDDED_POSTGRES_PORT})`);
    try {
      embedded = await startEmbeddedPostgres({ dataDir, port: config.EMBEDDED_POSTGRES_PORT, log });
    } catch (error) {
      // PostgreSQL's own reason (its FATAL line, in English), then what the operator can do.
      const message = error instanceof Error ? error.message : String(error);
      const reason = /(FATAL|PANIC):[^\n]*/.exec(message)?.[0] ?? message.split('\n')[0];
      throw new StartupError(
        `la base PostgreSQL intégrée (${dataDir}) ne démarre pas (${reason}) : libérez le port ${config.EMBEDDED_POSTGRES_PORT} ou définissez EMBEDDED_POSTGRES_PORT, ou définissez DATABASE_URL`,
      );
    }
    url = embedded.connectionString;
  }
  const description = describeUrl(url);
  const pool = createPool(url, config.DATABASE_POOL_SIZE, {
    onConnectionError: (error) => log(`Database connection lost (${error.message}); reconnecting on demand`, 'warn'),
  });
  try {
    await waitForDatabase(pool, {
      timeoutMs: config.DATABASE_STARTUP_TIMEOUT_S * 1_000,
      description,
      log: (message) => log(message, 'warn'),
    });
    const applied = await migrate(pool, ALL_MIGRATIONS);
    if (applied.length) log(`Schema migrations applied: ${applied.join(', ')}`);
    // Before any write: events restored from a server whose transaction counter was ahead.
    const repair = describeRepair(await repairForeignTransactionIds(pool));
    if (repair) log(repair, 'warn');
    if (applied.includes(STREAM_IDS_MIGRATION_ID)) {
      const moves = await streamIdMoves(pool);
      if (moves.streams > 0) {
        log(
          `Stream ids: ${moves.streams} streams (${moves.events} events) moved to unambiguous ids, ${moves.merged} shared by two cases split; every move is in the table stream_id_moves`,
          moves.merged > 0 ? 'warn' : 'log',
        );
      }
    }
  } catch (error) {
    await pool.end();
    await embedded?.stop();
    throw error;
  }
  let dataSource: DataSource;
  let keys: ApiKeyStore;
  try {
    dataSource = await openDataSource(pool, OPERATIONAL_ENTITIES);
    keys = new ApiKeyStore(dataSource.getRepository(ApiKeyEntity));
    await ensureAdminKey(config, keys, log);
  } catch (error) {
    await pool.end();
    await embedded?.stop();
    throw error;
  }
  const projectorPool = createPool(url, PROJECTOR_POOL_SIZE, {
    onConnectionError: (error) => log(`Database connection lost (${error.message}); reconnecting on demand`, 'warn'),
  });
  const eventLog = openEventLog(pool, eventLogChoice(config));
  const { store, logStore, notifier } = eventLog;
  const eventStore = { kind: eventLog.kind, description: eventLog.description };
  log(`Event log: ${eventStore.description}`);
  const relay = new KafkaRelay(projectorPool, {
    brokers: config.KAFKA_BROKERS?.split(','),
    clientId: config.KAFKA_CLIENT_ID,
    topicPrefix: config.KAFKA_TOPIC_PREFIX,
    batchSize: config.KAFKA_RELAY_BATCH_SIZE,
    maxBatchBytes: config.KAFKA_RELAY_MAX_BATCH_BYTES,
    pollIntervalMs: config.POLL_INTERVAL_MS,
    notifier,
    log: (_level, message) => log(message),
  });
  return {
    config,
    pool,
    projectorPool,
    store,
    eventStore,
    logStore,
    notifier,
    relay,
    keys,
    people: new PeopleStore(dataSource.getRepository(PersonEntity), dataSource.getRepository(SignInLinkEntity)),
    dataSource,
    sessionSecret: sessionSecret(config, log),
    pseudonymiser,
    database: { embedded: Boolean(embedded), description: `${embedded ? 'embedded ' : ''}${description}` },
    clock,
    async close() {
      await relay.stop();
      await eventLog.close();
      await dataSource.destroy();
      await projectorPool.end();
      await pool.end();
      await embedded?.stop();
    },
  };
}

/**
 * The pseudonymisation key: from VIGIE_PSEUDONYMISATION_KEY, or, for the embedded one-machine
 * default only, generated once and kept under VIGIE_DATA_DIR. With an external database every
 * process must share one key, so it has to be configured.
 */
function pseudonymisationKey(config: VigieConfig, log: Log): string {
  if (config.VIGIE_PSEUDONYMISATION_KEY) return config.VIGIE_PSEUDONYMISATION_KEY;
  if (config.DATABASE_URL) {
    throw new ConfigError([
      'VIGIE_PSEUDONYMISATION_KEY: required when DATABASE_URL is set (every process must pseudonymise household numbers with the same key)',
    ]);
  }
  const path = join(resolve(config.VIGIE_DATA_DIR), 'pseudonymisation.key');
  const { key, created } = loadOrCreateKeyFile(path);
  log(
    `No VIGIE_PSEUDONYMISATION_KEY: household numbers are pseudonymised with the key ${created ? 'generated into' : 'kept in'} ${path}; ` +
      'keep it safe and set VIGIE_PSEUDONYMISATION_KEY in production (losing it breaks the link between a household’s CAL decisions and leases)',
    'warn',
  );
  return key;
}

/**
 * The key signing session cookies: VIGIE_SESSION_SECRET, or, for the embedded default, one kept
 * under VIGIE_DATA_DIR; with an external database and none configured, one per process (sessions
 * then end when it restarts, and several processes do not share them: configure it).
 */
function sessionSecret(config: VigieConfig, log: Log): string {
  if (config.VIGIE_SESSION_SECRET) return config.VIGIE_SESSION_SECRET;
  if (!config.DATABASE_URL) return loadOrCreateKeyFile(join(resolve(config.VIGIE_DATA_DIR), 'session.key')).key;
  log(
    'No VIGIE_SESSION_SECRET: sessions are signed with a key of this process only; set it to keep them across restarts',
    'warn',
  );
  return randomBytes(32).toString('base64url');
}

/**
 * The file the first admin key of a database is written to: `admin.key` for the embedded
 * default; for an external database, a name of its own (`admin.<host>_<port>_<database>.key`), so
 * that a second process started from the same folder on another database never overwrites the
 * key of the first.
 */
export function adminKeyFileName(databaseUrl: string | undefined): string {
  if (!databaseUrl) return 'admin.key';
  const url = new URL(databaseUrl);
  const database = decodeURIComponent(url.pathname.replace(/^\//, '')) || 'postgres';
  const name = `${url.hostname || 'localhost'}_${url.port || '5432'}_${database}`.replace(/[^A-Za-z0-9._-]/g, '-');
  return `admin.${name}.key`;
}

/**
 * Access is closed by default, so there must be a way in: VIGIE_ADMIN_KEY when the operator
 * chose one, else, when no admin key is active, a new one written to VIGIE_DATA_DIR/admin.key.
 */
async function ensureAdminKey(config: VigieConfig, keys: ApiKeyStore, log: Log): Promise<void> {
  if (config.VIGIE_ADMIN_KEY) {
    await keys.ensure(config.VIGIE_ADMIN_KEY, {
      role: 'admin',
      tenant: null,
      label: 'VIGIE_ADMIN_KEY',
      createdBy: 'configuration',
    });
    return;
  }
  if (await keys.hasActiveAdmin()) return;
  const issued = await keys.create({
    role: 'admin',
    tenant: null,
    label: 'première clé d’administration',
    createdBy: 'start-up',
  });
  const path = join(resolve(config.VIGIE_DATA_DIR), adminKeyFileName(config.DATABASE_URL));
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${issued.token}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
  log(
    `No admin API key yet: one was created (id ${issued.id}) and written to ${path}; use it to create the other keys, then keep it safe`,
    'warn',
  );
}
