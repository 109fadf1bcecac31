import { AlertMonitor } from '@vigie/alerts';
import { createLogger, eventLogChoice, loadConfigOrExit } from '@vigie/config';
import { describeRepair, eventStoreMigrations, openEventLog, repairForeignTransactionIds } from '@vigie/event-store';
import { KafkaRelay } from '@vigie/messaging';
import { createProjectionRunners, projectionMigrations, REBUILDABLE, rebuildProjection } from '@vigie/projections';
import { createPool, failureReporter, migrate, waitForDatabase } from '@vigie/postgres';

/**
 * The projector as its own process (PROJECTOR_IN_PROCESS=false on the API): feeds every
 * projection and the Kafka relay from the event log. Safe to kill at any moment: each
 * batch commits with its checkpoint, and a restart goes on from there.
 */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  if (!config.DATABASE_URL) {
    console.error('Invalid configuration:\n  - DATABASE_URL: required by apps/projector (the database the API writes to)');
    process.exit(2);
  }
  const logger = createLogger(config.LOG_LEVEL).child({ context: 'projector' });
  const log = (message: string) => logger.info(message);
  const pool = createPool(config.DATABASE_URL, 4, {
    onConnectionError: (error) => logger.warn(`database connection lost (${error.message}); reconnecting on demand`),
  });
  await waitForDatabase(pool, {
    timeoutMs: config.DATABASE_STARTUP_TIMEOUT_S * 1_000,
    log: (message) => logger.warn(message),
  });
  await migrate(pool, [...eventStoreMigrations, ...projectionMigrations]);
  // Before reading or appending: events restored from a server whose transaction counter was ahead.
  const repair = describeRepair(await repairForeignTransactionIds(pool));
  if (repair) logger.warn(repair);
  if (process.argv[2] === 'rebuild') {
    await rebuild(pool, process.argv[3] ?? '', log);
    await pool.end();
    return;
  }
  const eventLog = openEventLog(pool, eventLogChoice(config));
  const { store, logStore, notifier } = eventLog;
  log(`event log: ${eventLog.description}`);
  const alerts = new AlertMonitor(pool, store, {
    pollIntervalMs: config.POLL_INTERVAL_MS,
    onError: failureReporter(logger, 'alert pass'),
  });
  const runners = createProjectionRunners(pool, {
    batchSize: config.PROJECTOR_BATCH_SIZE,
    pollIntervalMs: config.POLL_INTERVAL_MS,
    notifier,
    logStore,
    onError: failureReporter(logger, 'projection batch'),
    onComplianceApplied: () => alerts.wake(),
    onFluxApplied: () => alerts.wake(),
  });
  const relay = new KafkaRelay(pool, {
    brokers: config.KAFKA_BROKERS?.split(','),
    clientId: `${config.KAFKA_CLIENT_ID}-projector`,
    topicPrefix: config.KAFKA_TOPIC_PREFIX,
    batchSize: config.KAFKA_RELAY_BATCH_SIZE,
    maxBatchBytes: config.KAFKA_RELAY_MAX_BATCH_BYTES,
    pollIntervalMs: config.POLL_INTERVAL_MS,
    notifier,
    log: (_level, message) => log(message),
  });
  for (const runner of runners) runner.start();
  alerts.start();
  await relay.start();
  log(`running: ${runners.map((runner) => runner.projection.name).join(', ')}; Kafka relay ${relay.status().state}`);

  const shutdown = async () => {
    await Promise.all([...runners.map((runner) => runner.stop()), alerts.stop()]);
    await relay.stop();
    await eventLog.close();
    await pool.end();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown());
  process.once('SIGTERM', () => void shutdown());
}

/**
 * `rebuild NAME`: replays the whole log into fresh tables while the live ones keep serving,
 * printing progress, then swaps them in (one transaction); the live runner goes on from there.
 */
async function rebuild(pool: ReturnType<typeof createPool>, name: string, log: (message: string) => void): Promise<void> {
  const target = REBUILDABLE[name];
  if (!target) {
    console.error(`Unknown projection "${name}"; one of: ${Object.keys(REBUILDABLE).join(', ')}`);
    process.exit(2);
  }
  const started = Date.now();
  let lastLog = 0;
  const result = await rebuildProjection(pool, {
    fresh: target.fresh(),
    live: target.live(),
    batchSize: 2_000,
    onProgress: ({ position, head }) => {
      const now = Date.now();
      if (now - lastLog < 2_000) return;
      lastLog = now;
      const rate = position / Math.max(0.001, (now - started) / 1_000);
      const eta = head > position ? Math.round((head - position) / rate) : 0;
      log(
        `rebuild ${name}: position ${position} / ${head} (${Math.floor((100 * position) / Math.max(head, 1))} %), ${Math.round(rate)} ev/s, ETA ${eta} s`,
      );
    },
  });
  const seconds = (Date.now() - started) / 1_000;
  log(
    `rebuild ${name}: ${result.applied} events in ${seconds.toFixed(1)} s (${Math.round(result.applied / seconds)} ev/s), swapped in at position ${result.position}`,
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
