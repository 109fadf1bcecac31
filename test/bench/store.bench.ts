/**
 * npm run bench:store — appends 100 000 LeaseSigned events three ways through Vigie's event
 * store, and the same rows (a) with raw multi-row `pg` INSERTs into a plain table and (b)
 * through a peer store (@event-driven-io/emmett-postgresql), on the same server in one run,
 * their calls taken turn about (interleaved) so that the machine's load weighs on each alike;
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

/**
 * Runs each contestant's `rounds` rounds turn about (round r of each, in an order that rotates
 * from one round to the next), so that a change in the machine's load during the run weighs on
 * all of them alike; answers each one's total seconds.
 */
async function interleaved<K extends string>(
  rounds: number,
  contestants: Record<K, (round: number) => Promise<void>>,
): Promise<Record<K, number>> {
  const names = Object.keys(contestants) as K[];
  const seconds = Object.fromEntries(names.map((name) => [name, 0])) as Record<K, number>;
  for (let round = 0; round < rounds; round += 1) {
    for (let turn = 0; turn < names.length; turn += 1) {
      const name = names[(round + turn) % names.length]!;
      seconds[name] += (await timed(() => contestants[name](round))).seconds;
    }
  }
  return seconds;
}

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
    const seconds = await interleaved(calls, {
      vigie: async (c) => {
        const events = Array.from({ length: PER_CALL }, (_, k) => leaseEvent(c * PER_CALL + k));
        await store.append('bench-one-stream', events, { expectedVersion: c === 0 ? 'no_stream' : c * PER_CALL });
      },
      raw: async (c) => {
        const batch = Array.from({ length: PER_CALL }, (_, k) => ({
          streamId: 'raw-one-stream',
          version: c * PER_CALL + k + 1,
          event: leaseEvent(c * PER_CALL + k),
        }));
        await pool.query(rawInsertSql(PER_CALL), rawParams(batch));
      },
      emmett: async (c) => {
        const events = Array.from({ length: PER_CALL }, (_, k) => emmettEvent(c * PER_CALL + k));
        await emmett.appendToStream('bench-one-stream', events);
      },
    });
    rows.push({ ...row, vigie: rate(seconds.vigie), raw: rate(seconds.raw), emmett: rate(seconds.emmett) });
    console.log(`  done: ${row.scenario}`);
  }

  // 2. 1 000 events per call spread over 1 000 streams, one transaction (bulk import).
  {
    const row: Row = { scenario: `batched: ${PER_CALL} events/call over ${PER_CALL} streams, 1 tx`, target: '≥ 0.8× raw' };
    const seconds = await interleaved(calls, {
      vigie: async (c) => {
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
      },
      raw: async (c) => {
        const batch = Array.from({ length: PER_CALL }, (_, k) => ({
          streamId: `raw-many-${c * PER_CALL + k}`,
          version: 1,
          event: leaseEvent(c * PER_CALL + k),
        }));
        await pool.query(rawInsertSql(PER_CALL), rawParams(batch));
      },
    });
    rows.push({ ...row, vigie: rate(seconds.vigie), raw: rate(seconds.raw) });
    console.log(`  done: ${row.scenario}`);
  }

  // 3. Single-event appends, 16 at a time, in rounds of PER_CALL appends.
  {
    const row: Row = {
      scenario: `single-event appends, concurrency ${CONCURRENCY}`,
      target: '≥ 0.6× raw and ≥ 1.5× Emmett',
    };
    const sql = rawInsertSql(1);
    const round = (task: (i: number) => Promise<void>) => (c: number) =>
      pooled(PER_CALL, CONCURRENCY, (k) => task(c * PER_CALL + k));
    const seconds = await interleaved(calls, {
      vigie: round(
        async (i) => void (await store.append(`bench-single-${i}`, [leaseEvent(i)], { expectedVersion: 'no_stream' })),
      ),
      raw: round(
        async (i) => void (await pool.query(sql, rawParams([{ streamId: `raw-single-${i}`, version: 1, event: leaseEvent(i) }]))),
      ),
      emmett: round(async (i) => void (await emmett.appendToStream(`bench-single-${i}`, [emmettEvent(i)]))),
    });
    rows.push({ ...row, vigie: rate(seconds.vigie), raw: rate(seconds.raw), emmett: rate(seconds.emmett) });
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
