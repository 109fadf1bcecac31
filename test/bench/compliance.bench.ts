/**
 * npm run bench:compliance — 1 000 000 LeaseSigned over 20 EPCIs (BENCH_EVENTS overrides), then
 * (1) the full rebuild of the compliance read models from position 0, with the rebuilding
 * process's peak RSS, and (2) the latency of GET /v1/epcis/{siren}/compliance served by the
 * API in its own process: first reads (computed) and 100 concurrent clients (autocannon).
 * BENCH_TRACE_SQL=1 has PostgreSQL log the plan of every statement of the API's reads that takes
 * more than 2 ms (auto_explain, with timings and buffers, in the server's log).
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { attributionStreamId, ciaStreamId } from '@vigie/domain';
import { eventStoreMigrations, PostgresEventStore, type StreamAppend } from '@vigie/event-store';
import { ComplianceProjection, ProjectionRunner, projectionMigrations } from '@vigie/projections';
import { createPool, migrate } from '@vigie/postgres';
import { TerritorialReferential } from '@vigie/referential';
import { syntheticLease } from '../support/lease-events.js';
import { BENCH_AUTH, benchFetch, benchServer, createDatabase, dropDatabase, startApiProcess, timed } from './bench-database.js';
import { rawSequentialRead, reportFigure, reportSizes } from './bench-report.js';

const N = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const EPCI_COUNT = Number(process.env.BENCH_EPCIS ?? 20);
/** Rounds of one write per EPCI, each followed by the first read of that EPCI's figures. */
const WRITE_ROUNDS = Number(process.env.BENCH_WRITE_ROUNDS ?? 3);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const tag = Date.now().toString(36);

async function main(): Promise<void> {
  const server = await benchServer();
  const dbName = `vigie_bench_compliance_${tag}`;
  const url = await createDatabase(server.adminUrl, dbName);
  const pool = createPool(url, 8);
  await migrate(pool, [...eventStoreMigrations, ...projectionMigrations]);
  const store = new PostgresEventStore(pool);

  // Twenty real EPCIs of the Nord and the Pas-de-Calais, with their real communes.
  const territorial = new TerritorialReferential();
  const epcis = territorial
    .all()
    .filter((epci) => epci.communes.length > 0 && (epci.communes[0]!.startsWith('59') || epci.communes[0]!.startsWith('62')))
    .slice(0, EPCI_COUNT);

  console.log(
    `Compliance benchmark: ${N.toLocaleString('en-US')} LeaseSigned over ${epcis.length} EPCIs, PostgreSQL at ${new URL(server.adminUrl).host}`,
  );
  const generation = await timed(async () => {
    const rules: StreamAppend[] = epcis.map((epci) => ({
      streamId: ciaStreamId(epci.siren),
      events: [
        {
          eventId: randomUUID(),
          type: 'CiaAdopted',
          data: {
            epciSiren: epci.siren,
            adoptedOn: '2024-01-15',
            terms: { period: { startYear: 2024, endYear: 2029 }, objectives: { qnq1: { target: 0.55 } } },
          },
          metadata: { actor: 'bench' },
        },
        ...[2024, 2025, 2026].map((year) => ({
          eventId: randomUUID(),
          type: 'QuartileThresholdPublished',
          data: {
            epciSiren: epci.siren,
            year,
            amountPerUc: 9_500 + 200 * (year - 2024),
            source: `arrêté ${year}`,
            correction: false,
          },
          metadata: { actor: 'bench' },
        })),
      ],
    }));
    await store.appendMany(rules);
    for (let start = 0; start < N; start += 1_000) {
      const batch: StreamAppend[] = [];
      for (let i = start; i < Math.min(start + 1_000, N); i += 1) {
        const epci = epcis[i % epcis.length]!;
        const base = syntheticLease(i);
        const data = {
          ...base,
          flat: { ...base.flat, epciSiren: epci.siren, communeInsee: epci.communes[i % epci.communes.length]! },
        };
        batch.push({
          streamId: attributionStreamId(data.bailleurId, data.caseId),
          events: [{ eventId: randomUUID(), type: 'LeaseSigned', data, metadata: { actor: 'bench' } }],
        });
      }
      await store.appendMany(batch);
    }
  });
  console.log(`  appended in ${generation.seconds.toFixed(1)} s`);

  // (1) Full rebuild, by the projector's own process (compiled), into fresh tables swapped in at the end.
  execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  // Its baseline just before it (the machine's load moves within a run): a plain read of the same table.
  const sequential = await rawSequentialRead(pool);
  const rebuild = await timed(
    () =>
      new Promise<number>((resolve, reject) => {
        const child = spawn(process.execPath, ['dist/apps/projector/src/main.js', 'rebuild', 'compliance'], {
          cwd: ROOT,
          env: { ...process.env, DATABASE_URL: url, KAFKA_BROKERS: '' },
          stdio: ['ignore', 'inherit', 'inherit'],
        });
        let peakKb = 0;
        const sampler = setInterval(() => {
          try {
            const match = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
            if (match) peakKb = Math.max(peakKb, Number(match[1]));
          } catch {
            // the process has just exited
          }
        }, 50);
        child.once('exit', (code) => {
          clearInterval(sampler);
          if (code === 0) resolve(peakKb);
          else reject(new Error(`rebuild exited with ${code}`));
        });
      }),
  );
  const { rows: applied } = await pool.query<{ position: string }>("SELECT position FROM checkpoints WHERE name = 'compliance'");
  const rebuildRate = Math.round(Number(applied[0]!.position) / rebuild.seconds);
  const peakRss = rebuild.result * 1024;
  console.log(`  rebuilt in ${rebuild.seconds.toFixed(1)} s (process start and swap included)`);

  // (2) The API in its own process, projections off (the read models are already built).
  if (process.env.BENCH_TRACE_SQL) {
    const admin = createPool(server.adminUrl, 1);
    await admin.query(`ALTER DATABASE ${dbName} SET session_preload_libraries = 'auto_explain'`);
    await admin.query(`ALTER DATABASE ${dbName} SET auto_explain.log_min_duration = 2`);
    await admin.query(`ALTER DATABASE ${dbName} SET auto_explain.log_analyze = on`);
    await admin.query(`ALTER DATABASE ${dbName} SET auto_explain.log_buffers = on`);
    await admin.end();
  }
  const api = await startApiProcess(url, { PROJECTOR_IN_PROCESS: 'false' });
  const base = api.base;
  const paths = epcis.map((epci) => `/v1/epcis/${epci.siren}/compliance?year=2026`);
  const cold: number[] = [];
  let sample = Buffer.alloc(0);
  for (const path of paths) {
    const started = performance.now();
    const response = await benchFetch(`${base}${path}`);
    if (!response.ok) throw new Error(`${path}: ${response.status}`);
    const body = Buffer.from(await response.arrayBuffer());
    cold.push(performance.now() - started);
    if (!sample.length) sample = body;
  }
  cold.sort((a, b) => a - b);
  // The first read after a write: one more lease in the EPCI-year, projected (the compliance
  // projection run here, as the projector would), then the first read of its figures, which
  // must stand at or after the write. (The API reuses a checkpoint read for 100 ms: wait it out.)
  const afterWrite: number[] = [];
  const recompute: number[] = [];
  const projector = new ProjectionRunner(pool, new ComplianceProjection());
  for (let round = 0; round < WRITE_ROUNDS; round += 1) {
    for (const [index, epci] of epcis.entries()) {
      const base = syntheticLease(N + round * epcis.length + index);
      const data = {
        ...base,
        leaseDate: `2026${base.leaseDate.slice(4)}`,
        flat: { ...base.flat, epciSiren: epci.siren, communeInsee: epci.communes[0]! },
      };
      const [written] = await store.appendMany([
        {
          streamId: attributionStreamId(data.bailleurId, data.caseId),
          events: [{ eventId: randomUUID(), type: 'LeaseSigned', data, metadata: { actor: 'bench' } }],
        },
      ]);
      await projector.catchUp();
      await new Promise((resolve) => setTimeout(resolve, 150));
      const started = performance.now();
      const response = await benchFetch(`${api.base}${paths[index]!}`);
      const liveBody = Buffer.from(await response.arrayBuffer());
      afterWrite.push(performance.now() - started);
      const position = Number(response.headers.get('x-vigie-position'));
      if (!response.ok || position < (written?.positions.at(-1) ?? Infinity)) {
        throw new Error(`${paths[index]}: ${response.status} at position ${position}, written at ${JSON.stringify(written)}`);
      }
      // The same-run baseline: the same figures recomputed from every lease version (an as-of
      // read at that position, what every live read after a write did before the tallies).
      const recomputeStarted = performance.now();
      const recomputed = await benchFetch(`${api.base}${paths[index]!}&asOf=${position}`);
      const recomputedBody = Buffer.from(await recomputed.arrayBuffer());
      recompute.push(performance.now() - recomputeStarted);
      if (!recomputed.ok) throw new Error(`${paths[index]}&asOf=${position}: ${recomputed.status}`);
      const figuresOf = (body: Buffer) => JSON.stringify((JSON.parse(body.toString()) as { objectives: unknown }).objectives);
      if (figuresOf(recomputedBody) !== figuresOf(liveBody))
        throw new Error(`${paths[index]}: live and recomputed figures differ`);
    }
  }
  afterWrite.sort((a, b) => a - b);
  recompute.sort((a, b) => a - b);
  const duration = Number(process.env.BENCH_SECONDS ?? 15);
  const warm = await autocannon({
    url: base,
    connections: 100,
    headers: BENCH_AUTH,
    duration,
    requests: paths.map((path) => ({ method: 'GET', path })),
  });
  await api.stop();
  // The same-run ceiling: a bare node:http server answering the same bytes, with the same load.
  const bare = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
    response.end(sample);
  });
  const barePort = await new Promise<number>((resolve) =>
    bare.listen(0, '127.0.0.1', () => resolve((bare.address() as { port: number }).port)),
  );
  const bareRun = await autocannon({ url: `http://127.0.0.1:${barePort}`, connections: 100, headers: BENCH_AUTH, duration });
  await new Promise((resolve) => bare.close(resolve));

  const { rows } = await pool.query<{ n: string }>(
    'SELECT count(*) AS n FROM lease_facts WHERE epci_siren = $1 AND year = 2026',
    [epcis[0]!.siren],
  );
  console.log('\n| measure | value | target |');
  console.log('|---|---:|---:|');
  console.log(
    `| full rebuild of compliance read models (${Number(applied[0]!.position).toLocaleString('en-US')} events) | ${rebuildRate.toLocaleString('en-US')} ev/s | ≥ 50 000 ev/s |`,
  );
  console.log(`| peak RSS (VmHWM) of the projector process rebuilding | ${Math.round(peakRss / 1024 / 1024)} MB | ≤ 300 MB |`);
  console.log(
    `| compliance query, first read per EPCI (computed from ~${Number(rows[0]!.n).toLocaleString('en-US')} leases), p50 / max | ${cold[Math.floor(cold.length / 2)]!.toFixed(1)} / ${cold.at(-1)!.toFixed(1)} ms | — |`,
  );
  console.log(
    `| compliance query, first read after a write (${afterWrite.length} writes), p50 / max | ${afterWrite[Math.floor(afterWrite.length / 2)]!.toFixed(1)} / ${afterWrite.at(-1)!.toFixed(1)} ms | p50 ≤ 20 ms |`,
  );
  console.log(
    `| compliance query, recomputed at the same position (asOf), p50 / max | ${recompute[Math.floor(recompute.length / 2)]!.toFixed(1)} / ${recompute.at(-1)!.toFixed(1)} ms | baseline |`,
  );
  console.log(
    `| compliance query, 100 concurrent clients, p50 / p99 | ${warm.latency.p50} / ${warm.latency.p99} ms | p99 ≤ 25 ms |`,
  );
  console.log(
    `| throughput at 100 clients | ${Math.round(warm.requests.average).toLocaleString('en-US')} req/s (${warm.non2xx} non-2xx, ${warm.errors} errors) | — |`,
  );

  console.log(
    `| bare node:http server, same bytes (${sample.length} B), 100 clients | ${Math.round(bareRun.requests.average).toLocaleString('en-US')} req/s, p50 / p99 ${bareRun.latency.p50} / ${bareRun.latency.p99} ms | baseline |`,
  );
  console.log(`| plain sequential read of the events table | ${sequential.perSecond.toLocaleString('en-US')} ev/s | baseline |`);
  reportSizes({ bench: 'compliance', sizes: { BENCH_EVENTS: N, epcis: EPCI_COUNT, BENCH_SECONDS: duration } });
  reportFigure({
    bench: 'compliance',
    measure: `full rebuild of compliance (${Number(applied[0]!.position)} events, process start included)`,
    value: rebuildRate,
    unit: 'ev/s',
    target: '≥ 0.5× sequential read (≥ 50 000 ev/s)',
    baseline: { name: 'raw pg sequential read of the events', value: sequential.perSecond },
  });
  reportFigure({
    bench: 'compliance',
    measure: 'peak RSS of the projector process rebuilding',
    value: Math.round(peakRss / 1024 / 1024),
    unit: 'MB',
    target: '≤ 300 MB',
  });
  reportFigure({
    bench: 'compliance',
    measure: `first compliance read after a write, p50 (~${Number(rows[0]!.n)} leases in the EPCI-year, ${afterWrite.length} writes)`,
    value: Math.round(afterWrite[Math.floor(afterWrite.length / 2)]! * 10) / 10,
    unit: 'ms',
    target: 'p50 ≤ 20 ms',
    baseline: {
      name: 'the same figures recomputed from every lease version (asOf read at that position), p50',
      value: Math.round(recompute[Math.floor(recompute.length / 2)]! * 10) / 10,
    },
  });
  reportFigure({
    bench: 'compliance',
    measure: `first compliance read per EPCI after the API starts, p50 (~${Number(rows[0]!.n)} leases in the EPCI-year)`,
    value: Math.round(cold[Math.floor(cold.length / 2)]! * 10) / 10,
    unit: 'ms',
    target: '—',
  });
  reportFigure({
    bench: 'compliance',
    measure: `compliance read at 100 clients, throughput (${sample.length} B answer)`,
    value: Math.round(warm.requests.average),
    unit: 'req/s',
    target: '≥ 0.7× bare server',
    baseline: { name: 'bare node:http server, same bytes', value: Math.round(bareRun.requests.average) },
  });
  reportFigure({
    bench: 'compliance',
    measure: 'compliance read at 100 clients, p99',
    value: warm.latency.p99,
    unit: 'ms',
    target: '≤ 2× the bare server’s p99 (ratio ≥ 0.5)',
    baseline: { name: 'bare node:http server p99', value: bareRun.latency.p99 },
  });

  await store.close();
  await pool.end();
  await dropDatabase(server.adminUrl, dbName);
  await server.stop();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
