/**
 * npm run bench:simulation — a CAL's what-if on an EPCI-year of 16 000 leases (BENCH_LEASES
 * overrides): POST /v1/epcis/{siren}/compliance/simulations with ten candidates, p50 / p99 at 20
 * concurrent callers (autocannon, BENCH_SECONDS each), next to the same-run baseline: the plain
 * compliance read (GET /v1/epcis/{siren}/compliance) at the same concurrency, the two measured in
 * BENCH_ROUNDS alternating slices whose response times are pooled. Prints the ratio, the answer's
 * size and the API's CPU time per request.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { attributionStreamId } from '@vigie/domain';
import { reportFigure, reportSizes } from './bench-report.js';
import { eventStoreMigrations, PostgresEventStore, type StreamAppend } from '@vigie/event-store';
import { projectionMigrations } from '@vigie/projections';
import { createPool, migrate } from '@vigie/postgres';
import { TerritorialReferential } from '@vigie/referential';
import { syntheticLease } from '../support/lease-events.js';
import { BENCH_AUTH, benchFetch, benchServer, createDatabase, dropDatabase, startApiProcess } from './bench-database.js';

const LEASES = Number(process.env.BENCH_LEASES ?? 16_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
/** Alternating slices of each scenario (BENCH_SECONDS in all per scenario). */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
/** Leases recorded per second in the EPCI during the third scenario. */
const WRITES_PER_SECOND = Number(process.env.BENCH_WRITES_PER_SECOND ?? 5);
const CALLERS = 20;
const MEL = '200093201';
const tag = Date.now().toString(36);

const candidates = Array.from({ length: 10 }, (_, i) => ({
  rank: i + 1,
  composition: { personsAged14OrMore: 1 + (i % 3), childrenUnder14: i % 4 },
  yearlyResources: i === 9 ? null : 4_000 + 3_500 * i,
  flags: { dalo: i % 3 === 0, relogeRenouvellementUrbain: i === 7, internalMutation: i === 8 },
  reservataireId: [null, 'action-logement', 'etat-59', 'mel'][i % 4],
}));

async function main(): Promise<void> {
  const server = await benchServer();
  const dbName = `vigie_bench_simulation_${tag}`;
  const url = await createDatabase(server.adminUrl, dbName);
  const pool = createPool(url, 4);
  await migrate(pool, [...eventStoreMigrations, ...projectionMigrations]);
  const store = new PostgresEventStore(pool);
  const communes = new TerritorialReferential().epci(MEL)!.communes;
  console.log(
    `Simulation benchmark: ${LEASES.toLocaleString('en-US')} leases of 2026 in the MEL, ${CALLERS} concurrent callers, ${SECONDS} s per scenario, PostgreSQL at ${new URL(server.adminUrl).host}`,
  );
  /** The i-th synthetic lease, signed in the MEL in 2026 (by 31 October). */
  const leaseAppend = (i: number): StreamAppend => {
    const base = syntheticLease(i);
    const data = {
      ...base,
      leaseDate: `2026${base.leaseDate.slice(4, 7) > '-10' ? '-10' : base.leaseDate.slice(4, 7)}${base.leaseDate.slice(7)}`,
      flat: { ...base.flat, epciSiren: MEL, communeInsee: communes[i % communes.length]! },
    };
    return {
      streamId: attributionStreamId(data.bailleurId, data.caseId),
      events: [{ eventId: randomUUID(), type: 'LeaseSigned', data, metadata: { actor: 'bench' } }],
    };
  };
  for (let start = 0; start < LEASES; start += 1_000) {
    const batch: StreamAppend[] = [];
    for (let i = start; i < Math.min(start + 1_000, LEASES); i += 1) batch.push(leaseAppend(i));
    await store.appendMany(batch);
  }

  // The API in its own process, projections in it (they catch up on the leases, then on what follows).
  const api = await startApiProcess(url);
  const send = async (method: string, path: string, body: unknown) => {
    const response = await benchFetch(`${api.base}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  };
  for (const id of ['lmh', 'vilogia', 'partenord', 'sia', 'notre-logis', 'maisons-et-cites'])
    await send('PUT', `/v1/bailleurs/${id}`, { name: `Bailleur ${id}`, siren: null });
  for (const [id, kind] of [
    ['action-logement', 'action_logement'],
    ['etat-59', 'etat'],
    ['mel', 'collectivite'],
    ['departement-59', 'collectivite'],
  ])
    await send('PUT', `/v1/reservataires/${id}`, { name: `Réservataire ${id}`, kind });
  // Conventions of lmh with Action Logement and the État in the Nord: their candidates' leases count on a convention's flux.
  for (const [conventionId, reservataireId, fluxShare] of [
    ['BENCH-ALS', 'action-logement', 0.25],
    ['BENCH-ETAT', 'etat-59', 0.3],
  ] as const)
    await send('POST', '/v1/conventions', {
      conventionId,
      bailleurId: 'lmh',
      reservataireId,
      departement: '59',
      period: { startYear: 2025, endYear: 2030 },
      fluxShare,
      gestionMode: 'directe',
      signedOn: '2024-12-02',
    });
  await send('POST', `/v1/epcis/${MEL}/quartile-thresholds`, { year: 2026, amountPerUc: 10_000, source: 'Arrêté (banc)' });
  const flat = { rplsId: 'BENCHFLAT1', communeInsee: '59350', epciSiren: MEL, qpvCode: null, typology: 'T3', financing: 'PLUS' };
  await send('POST', '/v1/flux/releases', {
    eventId: randomUUID(),
    bailleurId: 'lmh',
    rplsId: flat.rplsId,
    departement: '59',
    communeInsee: '59350',
    epciSiren: MEL,
    releasedOn: '2026-10-15',
    inNetBase: true,
  });
  /** Until the API's figures count every lease recorded (and the threshold). */
  const caughtUp = async (leases: number) => {
    for (;;) {
      const response = await benchFetch(`${api.base}/v1/epcis/${MEL}/compliance?year=2026`);
      const view = (await response.json()) as { dataQuality?: { leases: number }; threshold: unknown };
      if (view.dataQuality?.leases === leases && view.threshold) return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  };
  await caughtUp(LEASES);
  const simulation = {
    method: 'POST' as const,
    path: `/v1/epcis/${MEL}/compliance/simulations`,
    headers: { ...BENCH_AUTH, 'content-type': 'application/json' },
    body: JSON.stringify({ bailleurId: 'lmh', leaseDate: '2026-11-02', flat, candidates }),
  };
  const check = await benchFetch(`${api.base}${simulation.path}`, {
    method: 'POST',
    headers: simulation.headers,
    body: simulation.body,
  });
  const answer = await check.text();
  const checked = JSON.parse(answer) as { candidates?: Array<{ scopes: unknown[]; flux: unknown }> };
  if (check.status !== 200) throw new Error(`simulation: ${check.status} ${JSON.stringify(checked)}`);
  const scopes = checked.candidates!.reduce((sum, c) => sum + c.scopes.length, 0);
  const onConventions = checked.candidates!.filter((c) => c.flux !== null).length;
  console.log(`Simulation answer: ${Buffer.byteLength(answer).toLocaleString('en-US')} bytes of JSON`);

  // The API's CPU time (user + system, /proc, in clock ticks of 10 ms): on a shared machine the
  // latencies move with the load, the CPU each request costs the API much less.
  const cpuMs = () => {
    const fields = readFileSync(`/proc/${api.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  };
  type Request = { method: 'GET' | 'POST'; path: string; headers?: Record<string, string>; body?: string };
  interface Measure {
    readonly times: number[];
    requests: number;
    non2xx: number;
    cpu: number;
    seconds: number;
  }
  const measure = (): Measure => ({ times: [], requests: 0, non2xx: 0, cpu: 0, seconds: 0 });
  /** One slice of `seconds` at CALLERS callers, every response time kept (slices pool into one distribution). */
  const run = (request: Request, seconds: number, into: Measure) =>
    new Promise<void>((resolve, reject) => {
      const cpuBefore = cpuMs();
      const instance = autocannon(
        { url: api.base, connections: CALLERS, duration: seconds, headers: BENCH_AUTH, requests: [request] },
        (error: Error | null, result: { requests: { total: number }; non2xx: number }) => {
          if (error) return reject(error);
          into.requests += result.requests.total;
          into.non2xx += result.non2xx;
          into.cpu += cpuMs() - cpuBefore;
          into.seconds += seconds;
          resolve();
        },
      );
      instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) =>
        into.times.push(responseTime),
      );
    });
  const percentile = (times: number[], p: number) => {
    const sorted = [...times].sort((a, b) => a - b);
    return Math.round(sorted[Math.max(Math.ceil(p * sorted.length) - 1, 0)]! * 10) / 10;
  };
  const read: Request = { method: 'GET', path: `/v1/epcis/${MEL}/compliance?year=2026` };
  // Both warm first (the first read computes and caches the figures), then measured in alternating
  // slices (ROUNDS of each): a change of load on a shared machine falls on both, not on one.
  await run(read, 2, measure());
  await run(simulation, 2, measure());
  const baseline = measure();
  const simulated = measure();
  const underWrites = measure();
  let signed = LEASES;
  for (let round = 0; round < ROUNDS; round += 1) {
    await run(read, SECONDS / ROUNDS, baseline);
    await run(simulation, SECONDS / ROUNDS, simulated);
    // The same simulation while leases of the EPCI-year are being recorded: each one moves the
    // figures before (and the conventions' flux), read again at each new position.
    const writer = setInterval(() => void store.appendMany([leaseAppend(signed++)]), 1_000 / WRITES_PER_SECOND);
    await run(simulation, SECONDS / ROUNDS, underWrites).finally(() => clearInterval(writer));
    // The projections and the alert monitor done with those leases before the next slice: the
    // other two are measured at rest (the API idle again, at most 10 s).
    await caughtUp(signed);
    for (let waited = 0; waited < 10_000; waited += 250) {
      const before = cpuMs();
      await new Promise((resolve) => setTimeout(resolve, 250));
      if (cpuMs() - before <= 20) break;
    }
  }
  await api.stop();
  const summary = (m: Measure) => ({
    p50: percentile(m.times, 0.5),
    p99: percentile(m.times, 0.99),
    perSecond: Math.round(m.requests / m.seconds),
    cpuPerRequest: (m.cpu / Math.max(m.requests, 1)).toFixed(2),
    non2xx: m.non2xx,
  });
  const base = summary(baseline);
  const sim = summary(simulated);
  const writing = summary(underWrites);

  console.log('\n| measure | p50 | p99 | req/s | API CPU per request | non-2xx |');
  console.log('|---|---:|---:|---:|---:|---:|');
  console.log(
    `| baseline: GET compliance (plain read), ${CALLERS} callers | ${base.p50} ms | ${base.p99} ms | ${base.perSecond} | ${base.cpuPerRequest} ms | ${base.non2xx} |`,
  );
  console.log(
    `| POST simulations, 10 candidates (${scopes} scopes moved, ${onConventions} on a convention's flux), ${CALLERS} callers | ${sim.p50} ms | ${sim.p99} ms | ${sim.perSecond} | ${sim.cpuPerRequest} ms | ${sim.non2xx} |`,
  );
  console.log(
    `| the same while ${WRITES_PER_SECOND} leases/s are recorded in the EPCI (${signed - LEASES} in all) | ${writing.p50} ms | ${writing.p99} ms | ${writing.perSecond} | ${writing.cpuPerRequest} ms | ${writing.non2xx} |`,
  );
  reportSizes({
    bench: 'simulation',
    sizes: { BENCH_LEASES: LEASES, BENCH_SECONDS: SECONDS, BENCH_ROUNDS: ROUNDS, BENCH_WRITES_PER_SECOND: WRITES_PER_SECOND },
  });
  reportFigure({
    bench: 'simulation',
    measure: `simulation of 10 candidates, ${CALLERS} callers, p99`,
    value: sim.p99,
    unit: 'ms',
    target: '≤ 50 ms',
    baseline: { name: `plain compliance read, ${CALLERS} callers, p99`, value: base.p99 },
  });
  reportFigure({
    bench: 'simulation',
    measure: `API CPU time per simulation of 10 candidates (${CALLERS} callers)`,
    value: Number(sim.cpuPerRequest),
    unit: 'ms',
    target: '—',
    baseline: { name: 'API CPU time per plain compliance read', value: Number(base.cpuPerRequest) },
  });
  reportFigure({
    bench: 'simulation',
    measure: `simulation of 10 candidates while ${WRITES_PER_SECOND} leases/s are recorded in the EPCI, ${CALLERS} callers, p99`,
    value: writing.p99,
    unit: 'ms',
    target: '—',
    baseline: { name: `plain compliance read at rest, ${CALLERS} callers, p99`, value: base.p99 },
  });
  const ratio = sim.p99 / Math.max(base.p99, 1);
  console.log(
    `\nsimulation p99 / compliance read p99 = ${ratio.toFixed(2)} (target: simulation p99 ≤ 50 ms: ${sim.p99 <= 50 ? 'met' : 'NOT met'})`,
  );

  await store.close();
  await pool.end();
  await dropDatabase(server.adminUrl, dbName);
  await server.stop();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
