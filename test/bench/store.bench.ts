/**
 * npm run bench:store — appends 100 000 LeaseSigned events three ways through Vigie's event
 * store, and the same rows (a) with raw multi-row `pg` INSERTs into a plain table and (b)
 * through a peer store (@event-driven-io/emmett-postgresql), on the same server in one run;
 * then rebuilds the lease summary projection from position 0. Prints events/s and ratios.
 * BENCH_EVENTS overrides the count.
 */
import { getPostgreSQLEventStore } from '@event-driven-io/emmett-postgresql';
import { attributionStreamId } from '@vigie/domain';
import { eventStoreMigrations, PostgresEventStore } from '@vigie/event-store';
import { LeaseSummaryProjection, projectionMigrations, rebuildProjection } from '@vigie/projections';
import { createPool, migrate } from '@vigie/postgres';
import { syntheticLease } from '../support/lease-events.js';
import {
  benchServer,
  createDatabase,
  dropDatabase,
  leaseEvent,
  pooled,
  RAW_TABLE,
  rawInsertSql,
  rawParams,
  timed,
} from './bench-database.js';
import { rawSequentialRead, reportFigure, reportSizes } from './bench-report.js';

const N = Number(process.env.BENCH_EVENTS ?? 100_000);
const PER_CALL = 1_000;
const CONCURRENCY = 16;
const tag = Date.now().toString(36);

/** The same lease, shaped as Emmett takes events. */
function emmettEvent(i: number) {
  return { type: 'LeaseSigned', data: { ...syntheticLease(i) } as Record<string, unknown>, metadata: { actor: 'bench' } };
}

type Row = { scenario: string; vigie?: number; raw?: number; emmett?: number; target: string };

async function main(): Promise<void> {
  const server = await benchServer();
  const vigieDb = `vigie_bench_${tag}`;
  const emmettDb = `vigie_bench_emmett_${tag}`;
  const vigieUrl = await createDatabase(server.adminUrl, vigieDb);
  const emmettUrl = await createDatabase(server.adminUrl, emmettDb);
  const pool = createPool(vigieUrl, CONCURRENCY + 4);
  await migrate(pool, [...eventStoreMigrations, ...projectionMigrations]);
  await pool.query(RAW_TABLE);
  const store = new PostgresEventStore(pool);
  const emmett = getPostgreSQLEventStore(emmettUrl, { connectionOptions: { pooled: true } } as never);
  await emmett.appendToStream('warm-up', [emmettEvent(0)]);
  await store.append('warm-up', [leaseEvent(0)]);
  const calls = Math.ceil(N / PER_CALL);
  const rows: Row[] = [];
  const rate = (seconds: number) => Math.round(N / seconds);
  console.log(
    `Vigie event store benchmark: ${N} LeaseSigned events per scenario, PostgreSQL at ${new URL(server.adminUrl).host}\n`,
  );

  // 1. 1 000 events per call into one stream.
  {
    const row: Row = { scenario: `batched: ${PER_CALL} events/call into one stream`, target: '≥ 0.5× raw' };
    row.vigie = rate(
      (
        await timed(async () => {
          for (let c = 0; c < calls; c += 1) {
            const events = Array.from({ length: PER_CALL }, (_, k) => leaseEvent(c * PER_CALL + k));
            await store.append('bench-one-stream', events, { expectedVersion: c === 0 ? 'no_stream' : c * PER_CALL });
          }
        })
      ).seconds,
    );
    row.raw = rate(
      (
        await timed(async () => {
          const sql = rawInsertSql(PER_CALL);
          for (let c = 0; c < calls; c += 1) {
            const batch = Array.from({ length: PER_CALL }, (_, k) => ({
              streamId: 'raw-one-stream',
              version: c * PER_CALL + k + 1,
              event: leaseEvent(c * PER_CALL + k),
            }));
            await pool.query(sql, rawParams(batch));
          }
        })
      ).seconds,
    );
    row.emmett = rate(
      (
        await timed(async () => {
          for (let c = 0; c < calls; c += 1) {
            const events = Array.from({ length: PER_CALL }, (_, k) => emmettEvent(c * PER_CALL + k));
            await emmett.appendToStream('bench-one-stream', events);
          }
        })
      ).seconds,
    );
    rows.push(row);
    console.log(`  done: ${row.scenario}`);
  }

  // 2. 1 000 events per call spread over 1 000 streams, one transaction (bulk import).
  {
    const row: Row = { scenario: `batched: ${PER_CALL} events/call over ${PER_CALL} streams, 1 tx`, target: '≥ 0.8× raw' };
    row.vigie = rate(
      (
        await timed(async () => {
          for (let c = 0; c < calls; c += 1) {
            await store.appendMany(
              Array.from({ length: PER_CALL }, (_, k) => {
                const event = leaseEvent(c * PER_CALL + k);
                const data = event.data as ReturnType<typeof syntheticLease>;
                return {
                  streamId: attributionStreamId(data.bailleurId, `${data.caseId}-m`),
                  events: [event],
                  expectedVersion: 'no_stream' as const,
                };
              }),
            );
          }
        })
      ).seconds,
    );
    row.raw = rate(
      (
        await timed(async () => {
          const sql = rawInsertSql(PER_CALL);
          for (let c = 0; c < calls; c += 1) {
            const batch = Array.from({ length: PER_CALL }, (_, k) => ({
              streamId: `raw-many-${c * PER_CALL + k}`,
              version: 1,
              event: leaseEvent(c * PER_CALL + k),
            }));
            await pool.query(sql, rawParams(batch));
          }
        })
      ).seconds,
    );
    rows.push(row);
    console.log(`  done: ${row.scenario}`);
  }

  // 3. Single-event appends, 16 at a time.
  {
    const row: Row = {
      scenario: `single-event appends, concurrency ${CONCURRENCY}`,
      target: '≥ 0.6× raw and ≥ 1.5× Emmett',
    };
    row.vigie = rate(
      (
        await timed(() =>
          pooled(
            N,
            CONCURRENCY,
            async (i) => void (await store.append(`bench-single-${i}`, [leaseEvent(i)], { expectedVersion: 'no_stream' })),
          ),
        )
      ).seconds,
    );
    const sql = rawInsertSql(1);
    row.raw = rate(
      (
        await timed(() =>
          pooled(
            N,
            CONCURRENCY,
            async (i) =>
              void (await pool.query(sql, rawParams([{ streamId: `raw-single-${i}`, version: 1, event: leaseEvent(i) }]))),
          ),
        )
      ).seconds,
    );
    row.emmett = rate(
      (
        await timed(() =>
          pooled(N, CONCURRENCY, async (i) => void (await emmett.appendToStream(`bench-single-${i}`, [emmettEvent(i)]))),
        )
      ).seconds,
    );
    rows.push(row);
    console.log(`  done: ${row.scenario}`);
  }

  // 4. Rebuild of the lease summary projection from position 0, over everything appended above.
  const { rows: countRows } = await pool.query<{ count: string }>('SELECT count(*) FROM events');
  const total = Number(countRows[0]!.count);
  const rebuild = await timed(() =>
    rebuildProjection(pool, {
      fresh: new LeaseSummaryProjection('lease_summary_rebuild'),
      live: new LeaseSummaryProjection(),
      batchSize: 5_000,
    }),
  );
  const rebuildRate = Math.round(rebuild.result.applied / rebuild.seconds);
  const sequential = await rawSequentialRead(pool);

  const fmt = (value?: number) => (value === undefined ? '—' : value.toLocaleString('en-US'));
  const ratio = (a?: number, b?: number) => (a && b ? `${(a / b).toFixed(2)}×` : '—');
  console.log('\n| scenario | Vigie ev/s | raw INSERT ev/s | Emmett ev/s | Vigie/raw | Vigie/Emmett |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const row of rows) {
    console.log(
      `| ${row.scenario} | ${fmt(row.vigie)} | ${fmt(row.raw)} | ${fmt(row.emmett)} | ${ratio(row.vigie, row.raw)} | ${ratio(row.vigie, row.emmett)} |`,
    );
  }
  console.log(
    `| rebuild lease_summary from 0 (${total.toLocaleString('en-US')} events); plain sequential read | ${fmt(rebuildRate)} | ${fmt(sequential.perSecond)} | — | ${ratio(rebuildRate, sequential.perSecond)} | — |`,
  );
  reportSizes({ bench: 'store', sizes: { BENCH_EVENTS: N, eventsPerCall: PER_CALL, concurrency: CONCURRENCY } });
  for (const row of rows) {
    reportFigure({
      bench: 'store',
      measure: row.scenario,
      value: row.vigie!,
      unit: 'ev/s',
      target: row.target,
      baseline: { name: 'raw pg INSERT', value: row.raw! },
    });
    if (row.emmett)
      reportFigure({
        bench: 'store',
        measure: `${row.scenario}, against Emmett`,
        value: row.vigie!,
        unit: 'ev/s',
        target: row.target.includes('Emmett') ? '≥ 1.5× Emmett' : '—',
        baseline: { name: 'Emmett (same server)', value: row.emmett },
      });
  }
  reportFigure({
    bench: 'store',
    measure: `rebuild lease_summary from position 0 (${total} events)`,
    value: rebuildRate,
    unit: 'ev/s',
    target: '≥ 50 000 ev/s',
    baseline: { name: 'raw pg sequential read of the events', value: sequential.perSecond },
  });
  console.log(`\nFloors: batched ≥ 20 000 ev/s and ≥ 0.5× raw; rebuild ≥ 50 000 ev/s.`);

  await emmett.close();
  await store.close();
  await pool.end();
  await dropDatabase(server.adminUrl, vigieDb);
  await dropDatabase(server.adminUrl, emmettDb);
  await server.stop();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
