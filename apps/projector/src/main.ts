import { parseArgs } from 'node:util';
import { AlertMonitor } from '@vigie/alerts';
import { createLogger, eventLogChoice, loadConfigOrExit, type VigieConfig } from '@vigie/config';
import {
  type CopyableEventLog,
  copyEventLog,
  describeRepair,
  DivergentTargetError,
  eventStoreMigrations,
  hostsOf,
  KurrentDBEventStore,
  openEventLog,
  PostgresEventStore,
  progressLine,
  repairForeignTransactionIds,
  verificationLines,
} from '@vigie/event-store';
import { KafkaRelay } from '@vigie/messaging';
import { createProjectionRunners, projectionMigrations, REBUILDABLE, rebuildProjection } from '@vigie/projections';
import {
  createPool,
  embeddedDataDir,
  failureReporter,
  migrate,
  NoEmbeddedDatabase,
  type RunningPostgres,
  startEmbeddedPostgres,
  waitForDatabase,
} from '@vigie/postgres';

/**
 * The projector as its own process (PROJECTOR_IN_PROCESS=false on the API): feeds every
 * projection and the Kafka relay from the event log. Safe to kill at any moment: each
 * batch commits with its checkpoint, and a restart goes on from there.
 */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  if (process.argv[2] === 'copy-log') {
    process.exitCode = await copyLog(config, process.argv.slice(3));
    return;
  }
  const logger = createLogger(config.LOG_LEVEL).child({ context: 'projector' });
  const log = (message: string) => logger.info(message);
  // Without DATABASE_URL, the database `npm start` uses: the embedded PostgreSQL of VIGIE_DATA_DIR,
  // reused when the API already runs it (and left running for it), else started for this process.
  let url = config.DATABASE_URL;
  let embedded: RunningPostgres | undefined;
  if (!url) {
    const dataDir = embeddedDataDir(config.VIGIE_DATA_DIR);
    log(`No DATABASE_URL: using the embedded PostgreSQL of ${dataDir} (the one npm start uses)`);
    try {
      // A rebuild replays a database that exists: never one created empty for it.
      embedded = await startEmbeddedPostgres({
        dataDir,
        port: config.EMBEDDED_POSTGRES_PORT,
        log,
        existing: process.argv[2] === 'rebuild',
      });
    } catch (error) {
      if (!(error instanceof NoEmbeddedDatabase)) throw error;
      console.error(
        `aucune base PostgreSQL intégrée dans ${error.dataDir} : lancez d’abord npm start avec le même VIGIE_DATA_DIR (${config.VIGIE_DATA_DIR}), ou définissez DATABASE_URL`,
      );
      process.exit(2);
    }
    url = embedded.connectionString;
  }
  const pool = createPool(url, 4, {
    // A rebuild's statements copy thousands of events each: there PostgreSQL's JIT compiling pays.
    jit: process.argv[2] === 'rebuild',
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
    await embedded?.stop();
    return;
  }
  const eventLog = openEventLog(pool, eventLogChoice(config));
  const { store, logStore, notifier } = eventLog;
  log(`event log: ${eventLog.description}`);
  const alerts = new AlertMonitor(pool, store, {
    pollIntervalMs: config.POLL_INTERVAL_MS,
    onError: failureReporter(logger, 'alert pass'),
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
  const runners = createProjectionRunners(pool, {
    batchSize: config.PROJECTOR_BATCH_SIZE,
    pollIntervalMs: config.POLL_INTERVAL_MS,
    notifier,
    logStore,
    onError: failureReporter(logger, 'projection batch'),
    onComplianceApplied: () => alerts.wake(),
    onFluxApplied: () => alerts.wake(),
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
  const fresh = target.fresh();
  const result = await rebuildProjection(pool, {
    fresh,
    live: target.live(),
    // A projection that applies most of each batch server-side (eventsOf) takes larger batches: fewer
    // transactions, and the events it is given are few; the others hold each batch in memory. Not
    // larger: while a batch's transaction runs, it holds back every gap-safe reader of the server
    // (the live projections, the relay), so a batch must stay well under a second.
    batchSize: fresh.eventsOf ? 10_000 : 2_000,
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

const COPY_LOG_USAGE = `Usage: copy-log --from URL --to URL [--page-size N] [--stream-prefix PREFIX]
  URL: postgres://… (the events table of that database) or kurrentdb://…?tls=false (KurrentDB 25.1+)
  --from / --to default to COPY_LOG_FROM / COPY_LOG_TO (keeps passwords out of the process list);
  --stream-prefix defaults to KURRENTDB_STREAM_PREFIX (vigie). Stop every writer of the source first
  (docs/operations.md, "Moving from one store to the other").`;

/**
 * `copy-log --from URL --to URL`: copies the event log from one store to the other (copyEventLog
 * in libs/event-store), progress on stderr, then prints both sides' verification. Exit 0 when the
 * verification holds, 3 when the target holds another log, 4 when the verification fails, 2 on
 * bad usage. Run it again after an interruption: it goes on where it stopped.
 */
async function copyLog(config: VigieConfig, args: readonly string[]): Promise<number> {
  let options: { from?: string; to?: string; 'page-size'?: string; 'stream-prefix'?: string };
  try {
    options = parseArgs({
      args: [...args],
      options: {
        from: { type: 'string' },
        to: { type: 'string' },
        'page-size': { type: 'string' },
        'stream-prefix': { type: 'string' },
      },
    }).values;
  } catch (error) {
    console.error(`${(error as Error).message}\n${COPY_LOG_USAGE}`);
    return 2;
  }
  const from = options.from ?? process.env.COPY_LOG_FROM;
  const to = options.to ?? process.env.COPY_LOG_TO;
  const pageSize = Number(options['page-size'] ?? 1_000);
  const prefix = options['stream-prefix'] ?? config.KURRENTDB_STREAM_PREFIX;
  if (!from || !to || !Number.isInteger(pageSize) || pageSize < 1 || pageSize > 50_000) {
    console.error(COPY_LOG_USAGE);
    return 2;
  }
  const ends: { end: CopyableEventLog; description: string; close: () => Promise<void> }[] = [];
  try {
    for (const url of [from, to]) ends.push(await openCopyEnd(config, url, prefix));
    const [source, target] = ends as [(typeof ends)[0], (typeof ends)[0]];
    console.error(`copy-log: from ${source.description} to ${target.description}`);
    let lastLine = 0;
    const report = await copyEventLog(source.end, target.end, {
      pageSize,
      onProgress: (progress) => {
        if (Date.now() - lastLine < 2_000 && progress.position < progress.head) return;
        lastLine = Date.now();
        console.error(progressLine(progress));
      },
    });
    const seconds = report.elapsedMs / 1_000;
    console.error(
      `copy-log: ${report.copied} events copied, ${report.alreadyOnTarget} already on the target, in ${seconds.toFixed(1)} s ` +
        `(${Math.round(report.copied / Math.max(seconds, 0.001))} ev/s, verification included); both sides:`,
    );
    for (const line of verificationLines(report.verification)) console.log(line);
    return report.verification.ok ? 0 : 4;
  } catch (error) {
    if (error instanceof DivergentTargetError) {
      console.error(error.message);
      return 3;
    }
    throw error;
  } finally {
    for (const end of ends) await end.close();
  }
}

/** One end of a copy: PostgreSQL (migrated to this version's schema first, as at start-up) or KurrentDB. */
async function openCopyEnd(
  config: VigieConfig,
  url: string,
  streamPrefix: string,
): Promise<{ end: CopyableEventLog; description: string; close: () => Promise<void> }> {
  if (/^(kurrentdb|kdb|esdb)(\+discover)?:\/\//.test(url)) {
    const store = KurrentDBEventStore.connect(url, { streamPrefix });
    return { end: store, description: `KurrentDB ${hostsOf(url)} (streams ${streamPrefix}-*)`, close: () => store.close() };
  }
  if (!/^postgres(ql)?:\/\//.test(url)) throw new Error(`copy-log: ${hostsOf(url)}: not a postgres:// or kurrentdb:// URL`);
  const pool = createPool(url, 4);
  await waitForDatabase(pool, { timeoutMs: config.DATABASE_STARTUP_TIMEOUT_S * 1_000, log: (message) => console.error(message) });
  await migrate(pool, [...eventStoreMigrations, ...projectionMigrations]);
  const repair = describeRepair(await repairForeignTransactionIds(pool));
  if (repair) console.error(repair);
  const store = new PostgresEventStore(pool);
  return {
    end: store,
    description: `PostgreSQL ${hostsOf(url)}${new URL(url).pathname} (table events)`,
    close: async () => {
      await store.close();
      await pool.end();
    },
  };
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
