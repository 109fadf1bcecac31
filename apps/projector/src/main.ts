import { ConfigError, loadConfig } from '@vigie/config';
import { eventStoreMigrations, PostgresEventStore } from '@vigie/event-store';
import { KafkaRelay } from '@vigie/messaging';
import { createProjectionRunners, projectionMigrations } from '@vigie/projections';
import { createPool, migrate } from '@vigie/postgres';

/**
 * The projector as its own process (PROJECTOR_IN_PROCESS=false on the API): feeds every
 * projection and the Kafka relay from the event log. Safe to kill at any moment: each
 * batch commits with its checkpoint, and a restart goes on from there.
 */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
  if (!config.DATABASE_URL) {
    console.error('Invalid configuration:\n  - DATABASE_URL: required by apps/projector (the database the API writes to)');
    process.exit(2);
  }
  const log = (message: string) => console.log(`[projector] ${message}`);
  const pool = createPool(config.DATABASE_URL, 4);
  await migrate(pool, [...eventStoreMigrations, ...projectionMigrations]);
  const store = new PostgresEventStore(pool, { pollIntervalMs: config.POLL_INTERVAL_MS });
  const runners = createProjectionRunners(pool, {
    batchSize: config.PROJECTOR_BATCH_SIZE,
    pollIntervalMs: config.POLL_INTERVAL_MS,
    notifier: store.notifications,
    onError: (error) => log(`batch failed: ${(error as Error).message}`),
  });
  const relay = new KafkaRelay(pool, {
    brokers: config.KAFKA_BROKERS?.split(','),
    clientId: `${config.KAFKA_CLIENT_ID}-projector`,
    topicPrefix: config.KAFKA_TOPIC_PREFIX,
    pollIntervalMs: config.POLL_INTERVAL_MS,
    notifier: store.notifications,
    log: (_level, message) => log(message),
  });
  for (const runner of runners) runner.start();
  await relay.start();
  log(`running: ${runners.map((runner) => runner.projection.name).join(', ')}; Kafka relay ${relay.status().state}`);

  const shutdown = async () => {
    await Promise.all(runners.map((runner) => runner.stop()));
    await relay.stop();
    await store.close();
    await pool.end();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown());
  process.once('SIGTERM', () => void shutdown());
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
