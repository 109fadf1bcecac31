/**
 * npm run bench:national — a ten-year national history at reduced scale (BENCH_NATIONAL_EVENTS,
 * default 1 000 000 events): over every EPCI of the official referential that has communes, each
 * attribution is a CAL decision then a signed lease (3 % corrected, 1 % cancelled), a flux release
 * and orientation for the flats of réservataires, a CIA per EPCI and a quartile threshold per
 * EPCI and year. The EPCIs' shares follow their population (the referential's communes), so the
 * largest (the Métropole du Grand Paris, about a tenth of the country) gets the largest history.
 *
 * Reports: the rebuild time and peak memory (VmHWM) of every projection, each by the projector's
 * own process, against a plain sequential read of the same events table; the compliance read
 * p50 / p99 of the largest EPCI's latest year at 20 clients; the storage per million events
 * (events table with its indexes, and every read model). docs/scaling.md draws on these figures.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { attributionStreamId, ciaStreamId, flatStreamId } from '@vigie/domain';
import { eventStoreMigrations, PostgresEventStore, type NewEvent, type StreamAppend } from '@vigie/event-store';
import { projectionMigrations, REBUILDABLE } from '@vigie/projections';
import { createPool, migrate } from '@vigie/postgres';
import { TerritorialReferential } from '@vigie/referential';
import { syntheticLease } from '../support/lease-events.js';
import { BENCH_AUTH, benchFetch, benchServer, createDatabase, dropDatabase, startApiProcess, timed } from './bench-database.js';
import { rawSequentialRead, reportFigure, reportSizes } from './bench-report.js';

const EVENTS = Number(process.env.BENCH_NATIONAL_EVENTS ?? 1_000_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const YEARS = Array.from({ length: 10 }, (_, i) => 2017 + i);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Events per attribution on average: CAL decision, lease, 3 % corrections, 1 % cancellations, flux release and orientation for 70 %. */
const EVENTS_PER_ATTRIBUTION = 2 + 0.03 + 0.01 + 1.4;

const event = (type: string, data: unknown): NewEvent => ({ eventId: randomUUID(), type, data, metadata: { actor: 'bench' } });

/** Rebuilds one projection by the projector's process (compiled); its time and peak RSS. */
async function rebuild(url: string, name: string): Promise<{ seconds: number; peakMb: number }> {
  const { seconds, result } = await timed(
    () =>
      new Promise<number>((resolve, reject) => {
        const child = spawn(process.execPath, ['dist/apps/projector/src/main.js', 'rebuild', name], {
          cwd: ROOT,
          env: { ...process.env, DATABASE_URL: url, KAFKA_BROKERS: '', LOG_LEVEL: 'warn' },
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
          else reject(new Error(`rebuild ${name} exited with ${code}`));
        });
      }),
  );
  return { seconds, peakMb: Math.round(result / 1024) };
}

async function main(): Promise<void> {
  const server = await benchServer();
  const dbName = `vigie_bench_national_${Date.now().toString(36)}`;
  const url = await createDatabase(server.adminUrl, dbName);
  const pool = createPool(url, 8);
  await migrate(pool, [...eventStoreMigrations, ...projectionMigrations]);
  const store = new PostgresEventStore(pool);

  const epcis = new TerritorialReferential().all().filter((epci) => epci.communes.length > 0);
  // Attributions follow population (the official referential's, commune by commune).
  const communes = createRequire(import.meta.url)('@etalab/decoupage-administratif/data/communes.json') as Array<{
    code: string;
    population?: number;
  }>;
  const population = new Map(communes.map((commune) => [commune.code, commune.population ?? 0]));
  const weightOf = (epci: (typeof epcis)[number]) =>
    epci.communes.reduce((sum, code) => sum + (population.get(code) ?? 0), 0) || 1;
  const cumulative: number[] = [];
  let total = 0;
  for (const epci of epcis) cumulative.push((total += weightOf(epci)));
  /** The EPCI of the i-th attribution, drawn by share of communes (a multiplicative hash as the draw). */
  const epciOf = (i: number) => {
    const draw = ((Math.imul(i + 7, 2246822519) >>> 0) / 2 ** 32) * total;
    let [low, high] = [0, cumulative.length - 1];
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (cumulative[middle]! <= draw) low = middle + 1;
      else high = middle;
    }
    return epcis[low]!;
  };
  const largest = epcis.reduce((a, b) => (weightOf(b) > weightOf(a) ? b : a));
  const attributions = Math.round((EVENTS - epcis.length * (1 + YEARS.length)) / EVENTS_PER_ATTRIBUTION);
  console.log(
    `National benchmark: ~${EVENTS.toLocaleString('en-US')} events (${attributions.toLocaleString('en-US')} attributions over ${YEARS.length} years, ${epcis.length} EPCIs), PostgreSQL at ${new URL(server.adminUrl).host}`,
  );

  const generation = await timed(async () => {
    const rules: StreamAppend[] = epcis.map((epci) => ({
      streamId: ciaStreamId(epci.siren),
      events: [
        event('CiaAdopted', {
          epciSiren: epci.siren,
          adoptedOn: '2016-12-15',
          terms: { period: { startYear: 2017, endYear: 2030 }, objectives: { qnq1: { target: 0.55 } } },
        }),
        ...YEARS.map((year) =>
          event('QuartileThresholdPublished', {
            epciSiren: epci.siren,
            year,
            amountPerUc: 8_000 + 150 * (year - 2017),
            source: `arrêté ${year}`,
            correction: false,
          }),
        ),
      ],
    }));
    for (let from = 0; from < rules.length; from += 200) await store.appendMany(rules.slice(from, from + 200));
    for (let from = 0; from < attributions; from += 500) {
      const batch: StreamAppend[] = [];
      for (let i = from; i < Math.min(from + 500, attributions); i += 1) {
        const epci = epciOf(i);
        const base = syntheticLease(i);
        const year = YEARS[Math.floor((i / attributions) * YEARS.length)]!;
        const leaseDate = `${year}${base.leaseDate.slice(4)}`;
        const flat = { ...base.flat, epciSiren: epci.siren, communeInsee: epci.communes[i % epci.communes.length]! };
        const lease = { ...base, leaseDate, flat };
        const cal = event('CalDecisionRecorded', {
          caseId: lease.caseId,
          bailleurId: lease.bailleurId,
          calDate: leaseDate,
          flat,
          candidates: [{ rank: 1, householdPseudonymousId: lease.household.pseudonymousId, decision: 'attribution' }],
          reservataireId: lease.reservataireId,
        });
        const signed = event('LeaseSigned', { ...lease, calDecisionEventId: cal.eventId });
        const events = [cal, signed];
        if (i % 33 === 0) {
          events.push(
            event('LeaseCorrected', {
              lease: { ...lease, calDecisionEventId: cal.eventId, household: { ...lease.household, yearlyResources: 12_000 } },
              reason: 'ressources corrigées',
              correctsEventId: signed.eventId,
            }),
          );
        } else if (i % 97 === 0) {
          events.push(
            event('LeaseCancelled', {
              leaseId: lease.leaseId,
              caseId: lease.caseId,
              bailleurId: lease.bailleurId,
              reason: 'doublon',
              cancelsEventId: signed.eventId,
            }),
          );
        }
        batch.push({ streamId: attributionStreamId(lease.bailleurId, lease.caseId), events });
        if (lease.reservataireId !== null && i % 10 < 7) {
          batch.push({
            streamId: flatStreamId(lease.bailleurId, `${flat.rplsId}-${i}`),
            events: [
              event('FlatReleased', {
                bailleurId: lease.bailleurId,
                rplsId: `${flat.rplsId}-${i}`,
                departement: flat.communeInsee.slice(0, 2),
                communeInsee: flat.communeInsee,
                releasedOn: leaseDate,
                inNetBase: true,
                exclusionReason: null,
              }),
              event('FlatOrientedToReservataire', {
                bailleurId: lease.bailleurId,
                rplsId: `${flat.rplsId}-${i}`,
                reservataireId: lease.reservataireId,
                conventionId: `CONV-${lease.reservataireId}`,
                orientedOn: leaseDate,
              }),
            ],
          });
        }
      }
      await store.appendMany(batch);
      if (from % 50_000 === 0) console.log(`  ${from.toLocaleString('en-US')} attributions appended`);
    }
  });
  const { rows: head } = await pool.query<{ n: string }>('SELECT max(global_position) AS n FROM events');
  const events = Number(head[0]!.n);
  console.log(`  ${events.toLocaleString('en-US')} events appended in ${generation.seconds.toFixed(0)} s`);

  const sequential = await rawSequentialRead(pool);
  execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  const rebuilds: Array<{ name: string; seconds: number; peakMb: number }> = [];
  for (const name of Object.keys(REBUILDABLE)) {
    const result = await rebuild(url, name);
    rebuilds.push({ name, ...result });
    console.log(`  rebuilt ${name} in ${result.seconds.toFixed(1)} s, peak RSS ${result.peakMb} MB`);
  }

  const sizes = await pool.query<{ name: string; bytes: string }>(
    `SELECT c.relname AS name, pg_total_relation_size(c.oid) AS bytes FROM pg_class c
     JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY 2 DESC`,
  );
  const bytesOf = (name: string) => Number(sizes.rows.find((row) => row.name === name)?.bytes ?? 0);
  const readModels = sizes.rows.filter((row) => row.name !== 'events').reduce((sum, row) => sum + Number(row.bytes), 0);
  const perMillion = (bytes: number) => Math.round(((bytes / events) * 1e6) / 1024 ** 2);

  const api = await startApiProcess(url, { PROJECTOR_IN_PROCESS: 'false' });
  const latestYear = YEARS.at(-1)!;
  const path = `/v1/epcis/${largest.siren}/compliance?year=${latestYear}`;
  const first = await timed(async () => {
    const response = await benchFetch(`${api.base}${path}`);
    if (!response.ok) throw new Error(`${path}: ${response.status}`);
    return Buffer.from(await response.arrayBuffer()).length;
  });
  const reads = await autocannon({ url: `${api.base}${path}`, connections: 20, headers: BENCH_AUTH, duration: SECONDS });
  await api.stop();
  const { rows: largestLeases } = await pool.query<{ n: string }>(
    'SELECT count(*) AS n FROM lease_facts WHERE epci_siren = $1 AND year = $2 AND valid_to IS NULL',
    [largest.siren, latestYear],
  );

  console.log('\n| measure | value |');
  console.log('|---|---:|');
  for (const { name, seconds, peakMb } of rebuilds) {
    console.log(
      `| rebuild ${name} | ${seconds.toFixed(1)} s (${Math.round(events / seconds).toLocaleString('en-US')} ev/s), peak RSS ${peakMb} MB |`,
    );
  }
  console.log(`| plain sequential read of the events table | ${sequential.perSecond.toLocaleString('en-US')} ev/s |`);
  console.log(
    `| compliance read, ${largest.name} ${latestYear} (${largestLeases[0]!.n} leases), first / p50 / p99 at 20 clients | ${(first.seconds * 1000).toFixed(0)} / ${reads.latency.p50} / ${reads.latency.p99} ms (${first.result} B) |`,
  );
  console.log(`| storage per million events: events table | ${perMillion(bytesOf('events'))} MB |`);
  console.log(`| storage per million events: read models | ${perMillion(readModels)} MB |`);

  reportSizes({ bench: 'national', sizes: { BENCH_NATIONAL_EVENTS: events, epcis: epcis.length, years: YEARS.length } });
  for (const { name, seconds, peakMb } of rebuilds) {
    reportFigure({
      bench: 'national',
      measure: `rebuild of ${name} (${events} events, process start included)`,
      value: Math.round(events / seconds),
      unit: 'ev/s',
      target: '—',
      baseline: { name: 'raw pg sequential read of the events', value: sequential.perSecond },
    });
    reportFigure({ bench: 'national', measure: `peak RSS rebuilding ${name}`, value: peakMb, unit: 'MB', target: '—' });
  }
  reportFigure({
    bench: 'national',
    measure: `compliance read of the largest EPCI-year (${largestLeases[0]!.n} leases), 20 clients, p50`,
    value: reads.latency.p50,
    unit: 'ms',
    target: '—',
  });
  reportFigure({
    bench: 'national',
    measure: `compliance read of the largest EPCI-year (${largestLeases[0]!.n} leases), 20 clients, p99`,
    value: reads.latency.p99,
    unit: 'ms',
    target: '—',
  });
  reportFigure({
    bench: 'national',
    measure: 'events table per million events',
    value: perMillion(bytesOf('events')),
    unit: 'MB',
    target: '—',
  });
  reportFigure({
    bench: 'national',
    measure: 'read models per million events',
    value: perMillion(readModels),
    unit: 'MB',
    target: '—',
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
