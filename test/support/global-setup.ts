import { mkdtempSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { startEmbeddedPostgres } from '../../libs/postgres/src/embedded-postgres.ts';
import { startKafka, freePort } from './kafka.ts';
import { privateClustersAvailable, startPrivateCluster } from './private-postgres.ts';

const PRESTARTED = 'postgres://postgres@127.0.0.1:5432/postgres';

async function reachable(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Starts what the suite needs, once per run: PostgreSQL (a cluster of the run's own, from the
 * installed binaries, else an embedded server; the pre-started one on 127.0.0.1:5432 with
 * VIGIE_TEST_SHARED_PG=true) and a real Kafka broker.
 * Workers inherit the addresses through the environment.
 */
export default async function globalSetup(): Promise<void> {
  // `npm run test:unit` needs no service; integration specs then fail loudly for want of one.
  if (process.env.VIGIE_TEST_SERVICES === 'none') return;
  const started: Array<() => Promise<void>> = [];
  (globalThis as { __vigieStop?: Array<() => Promise<void>> }).__vigieStop = started;

  const kafkaStarting = startKafka();

  if (process.env.VIGIE_TEST_PG_ADMIN_URL) {
    // Given by the caller.
  } else if (process.env.VIGIE_TEST_SHARED_PG === 'true' && (await reachable(PRESTARTED))) {
    // Opt-in only: readers of every database wait for the oldest transaction of the whole server,
    // so another run's transaction left open on a shared server stalls this run's projections.
    process.env.VIGIE_TEST_PG_ADMIN_URL = PRESTARTED;
  } else if (privateClustersAvailable()) {
    // The installed server (its pg_dump matches it), in a cluster of the run's own.
    const cluster = await startPrivateCluster();
    started.push(() => cluster.destroy());
    process.env.VIGIE_TEST_PG_ADMIN_URL = cluster.url('postgres');
    console.log(`\n[test] private PostgreSQL cluster at 127.0.0.1:${cluster.port}`);
  } else {
    const parent = mkdtempSync(join(tmpdir(), 'vigie-test-pg-'));
    chmodSync(parent, 0o777);
    const pg = await startEmbeddedPostgres({
      dataDir: join(parent, 'data'),
      port: await freePort(),
      // Our own lines only: the server's log (expected errors of refused appends…) is noise here.
      log: (line) => {
        if (!/^\d{4}-\d{2}-\d{2} [\d:.]+ \w+ \[\d+\]/.test(line)) console.log(`[embedded postgres] ${line}`);
      },
    });
    started.push(() => pg.stop());
    const url = new URL(pg.connectionString);
    url.pathname = '/postgres';
    process.env.VIGIE_TEST_PG_ADMIN_URL = url.toString();
    console.log(`\n[test] embedded PostgreSQL at 127.0.0.1:${url.port}`);
  }

  const kafka = await kafkaStarting;
  started.push(() => kafka.stop());
  process.env.VIGIE_TEST_KAFKA_BROKERS = kafka.brokers;
  console.log(`\n[test] PostgreSQL ${new URL(process.env.VIGIE_TEST_PG_ADMIN_URL).host}, Kafka broker ${kafka.brokers}`);
}
