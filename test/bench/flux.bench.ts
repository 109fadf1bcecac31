/**
 * npm run bench:flux — a large bailleur's gestion en flux: 200 conventions (20 réservataires × 10
 * communes), 30 000 releases and orientations in a year (BENCH_FLUX_FACTS overrides) and 3 000
 * leases on the réservataires' flux, through the running API (its own process, projector in-process).
 *
 * - write latency (release, then orientation, through HTTP, one client) at the start of the year,
 *   with no prior fact, and at its end, after the year's facts: the ratio end / start, same run;
 * - flux rebuild: the whole log replayed into fresh flux read models, events per second;
 * - audit ledger and convention flux under 50 concurrent readers, p50 / p99.
 */
import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import { attributionStreamId, flatStreamId, reservationStreamId } from '@vigie/domain';
import { eventStoreMigrations, PostgresEventStore, type StreamAppend } from '@vigie/event-store';
import { FluxProjection, projectionMigrations, rebuildProjection } from '@vigie/projections';
import { createPool, migrate } from '@vigie/postgres';
import { syntheticLease } from '../support/lease-events.js';
import { BENCH_AUTH, benchFetch, benchServer, createDatabase, dropDatabase, startApiProcess, timed } from './bench-database.js';
import { rawSequentialRead, reportFigure, reportSizes } from './bench-report.js';

const FACTS = Number(process.env.BENCH_FLUX_FACTS ?? 30_000);
const WRITES = Number(process.env.BENCH_FLUX_WRITES ?? 200);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const BAILLEUR = 'grand-bailleur';
/** The projections the API process runs (their checkpoints' names). */
const ALL_PROJECTIONS = ['flux', 'compliance', 'lease_summary', 'alerts'];
const RESERVATAIRES = Array.from({ length: 20 }, (_, i) => `commune-${i}`);
/** Commune k of réservataire r: 59 + three digits, one per convention. */
const communeOf = (convention: number) => `59${String(100 + convention).padStart(3, '0')}`;
const conventionOf = (convention: number) => ({
  reservataireId: RESERVATAIRES[convention % RESERVATAIRES.length]!,
  conventionId: `CONV-${convention}`,
});
const day = (n: number) => new Date(Date.UTC(2026, 0, 1) + n * 86_400_000).toISOString().slice(0, 10);

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};

async function post(base: string, path: string, body: unknown): Promise<number> {
  const started = performance.now();
  const response = await benchFetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status !== 201) throw new Error(`${path}: ${response.status} ${text}`);
  return performance.now() - started;
}

/** `count` flats released then oriented through the API, dated from `firstDay`: each write's latency (ms). */
async function writeFlats(base: string, prefix: string, count: number, firstDay: number): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const convention = i % 200;
    const rplsId = `${prefix}${i}`;
    const date = day(firstDay + (i % 5));
    latencies.push(
      await post(base, '/v1/flux/releases', {
        eventId: randomUUID(),
        bailleurId: BAILLEUR,
        rplsId,
        departement: '59',
        communeInsee: communeOf(convention),
        releasedOn: date,
        inNetBase: true,
      }),
    );
    latencies.push(
      await post(base, '/v1/flux/orientations', {
        eventId: randomUUID(),
        bailleurId: BAILLEUR,
        rplsId,
        ...conventionOf(convention),
        orientedOn: date,
      }),
    );
  }
  return latencies;
}

/**
 * Waits until the given projections have applied the whole log. The end-of-year writes wait for all
 * of them: measured while the in-process projector still applies the year's 3 000 leases to
 * compliance and alerts, they timed that catch-up, not a write after the year's facts.
 */
async function waitForProjections(pool: ReturnType<typeof createPool>, names: readonly string[]): Promise<void> {
  for (;;) {
    const { rows } = await pool.query<{ head: string; at: string | null }>(
      'SELECT (SELECT max(global_position) FROM events) AS head, (SELECT min(position) FROM checkpoints WHERE name = ANY($1)) AS at',
      [names],
    );
    if (Number(rows[0]!.at ?? 0) >= Number(rows[0]!.head)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function main(): Promise<void> {
  const server = await benchServer();
  const dbName = `vigie_bench_flux_${Date.now().toString(36)}`;
  const url = await createDatabase(server.adminUrl, dbName);
  const pool = createPool(url, 8);
  await migrate(pool, [...eventStoreMigrations, ...projectionMigrations]);
  const store = new PostgresEventStore(pool);
  console.log(
    `Flux benchmark: 1 bailleur, 200 conventions, ${FACTS.toLocaleString('en-US')} releases and orientations, PostgreSQL at ${new URL(server.adminUrl).host}`,
  );

  // The referential and the 200 conventions (agreed by both parties), recorded as the API would.
  const setup: StreamAppend[] = [
    ...RESERVATAIRES.map((id) => ({
      streamId: `referential:reservataire:${id}`,
      events: [
        {
          eventId: randomUUID(),
          type: 'ReservataireRegistered',
          data: { id, name: id, kind: 'collectivite' },
          metadata: { actor: 'bench' },
        },
      ],
    })),
    {
      streamId: `referential:bailleur:${BAILLEUR}`,
      events: [
        {
          eventId: randomUUID(),
          type: 'BailleurRegistered',
          data: { id: BAILLEUR, name: BAILLEUR, siren: null },
          metadata: { actor: 'bench' },
        },
      ],
    },
    ...Array.from({ length: 200 }, (_, k) => {
      const ref = { bailleurId: BAILLEUR, ...conventionOf(k) };
      return {
        streamId: reservationStreamId(ref),
        events: [
          {
            eventId: randomUUID(),
            type: 'ReservationConventionSigned',
            data: {
              ...ref,
              departement: '59',
              perimeter: { communes: [communeOf(k)] },
              period: { startYear: 2025, endYear: 2028 },
              fluxShare: 0.1,
              annualVolume: null,
              gestionMode: 'directe',
              countingOptions: {
                postCalRefusals: { enabled: false, weight: 1 },
                interBailleurMobility: true,
                aPosterioriValidation: false,
              },
              signedOn: '2024-12-01',
              agreedBy: ['bailleur', 'reservataire'],
            },
            metadata: { actor: 'bench' },
          },
        ],
      };
    }),
  ];
  await store.appendMany(setup);

  const api = await startApiProcess(url, { POLL_INTERVAL_MS: '50' });
  const base = api.base;
  await waitForProjections(pool, ALL_PROJECTIONS);

  // (1) Writes at the start of the year: no prior fact (after a few unmeasured ones: the API process warms up).
  await writeFlats(base, 'W', 20, 1);
  const start = await writeFlats(base, 'S', WRITES / 2, 2);

  // The year's facts: releases and orientations of FACTS / 2 flats, and 3 000 leases on the flux.
  const bulk = await timed(async () => {
    for (let from = 0; from < FACTS / 2; from += 500) {
      const batch: StreamAppend[] = [];
      for (let i = from; i < Math.min(from + 500, FACTS / 2); i += 1) {
        const convention = i % 200;
        const rplsId = `Y${i}`;
        const date = day(10 + Math.floor((i / (FACTS / 2)) * 330));
        batch.push({
          streamId: flatStreamId(BAILLEUR, rplsId),
          events: [
            {
              eventId: randomUUID(),
              type: 'FlatReleased',
              data: {
                bailleurId: BAILLEUR,
                rplsId,
                departement: '59',
                communeInsee: communeOf(convention),
                releasedOn: date,
                inNetBase: true,
                exclusionReason: null,
              },
              metadata: { actor: 'bench' },
            },
            {
              eventId: randomUUID(),
              type: 'FlatOrientedToReservataire',
              data: { bailleurId: BAILLEUR, rplsId, ...conventionOf(convention), orientedOn: date },
              metadata: { actor: 'bench' },
            },
          ],
        });
      }
      await store.appendMany(batch);
    }
    const leases: StreamAppend[] = [];
    for (let i = 0; i < 3_000; i += 1) {
      const base = syntheticLease(i);
      const convention = i % 200;
      const data = {
        ...base,
        bailleurId: BAILLEUR,
        leaseDate: day(10 + (i % 330)),
        reservataireId: conventionOf(convention).reservataireId,
        flat: { ...base.flat, communeInsee: communeOf(convention), epciSiren: '200093201' },
      };
      leases.push({
        streamId: attributionStreamId(BAILLEUR, data.caseId),
        events: [{ eventId: randomUUID(), type: 'LeaseSigned', data, metadata: { actor: 'bench' } }],
      });
    }
    await store.appendMany(leases);
  });
  const catchUp = await timed(() => waitForProjections(pool, ['flux']));
  await waitForProjections(pool, ALL_PROJECTIONS);
  console.log(
    `  year's facts appended in ${bulk.seconds.toFixed(1)} s, flux projection caught up in ${catchUp.seconds.toFixed(1)} s`,
  );

  // (2) Writes at the end of the year, after the year's facts.
  const end = await writeFlats(base, 'E', WRITES / 2, 355);
  await waitForProjections(pool, ['flux']);

  // (3) Readers: audit ledgers and convention flux figures, 50 concurrent clients each.
  const ledgerPaths = RESERVATAIRES.map((id) => `/v1/reservataires/${id}/ledger?year=2026&bailleur=${BAILLEUR}`);
  const fluxPaths = Array.from(
    { length: 200 },
    (_, k) => `/v1/conventions/${BAILLEUR}/${conventionOf(k).reservataireId}/${conventionOf(k).conventionId}/flux?year=2026`,
  );
  const check = (await (await benchFetch(`${base}${fluxPaths[7]}`)).json()) as {
    netBase: number;
    oriented: number;
    counted?: { bailSigne: number };
  };
  const ledger = (await (await benchFetch(`${base}${ledgerPaths[7]}`)).json()) as { rows?: unknown[] };
  const readers = async (paths: string[]) =>
    autocannon({
      url: base,
      connections: 50,
      headers: BENCH_AUTH,
      duration: SECONDS,
      requests: paths.map((path) => ({ method: 'GET', path })),
    });
  const ledgerRun = await readers(ledgerPaths);
  const fluxRun = await readers(fluxPaths);
  // What the answers that were not 2xx were (a refusal under load says so; a 500 is a defect).
  for (const [name, run] of [
    ['ledger', ledgerRun],
    ['convention flux', fluxRun],
  ] as const)
    if (run.non2xx) console.log(`${name}: status codes ${JSON.stringify(run.statusCodeStats)}`);
  await api.stop();

  // (4) Rebuild of the flux read models from the whole log.
  const rebuild = await timed(() =>
    rebuildProjection(pool, { fresh: new FluxProjection('_rebuild'), live: new FluxProjection() }),
  );
  const { rows: events } = await pool.query<{ n: string }>('SELECT count(*) AS n FROM events');

  const ms = (value: number) => value.toFixed(1);
  const [s50, s99, e50, e99] = [percentile(start, 50), percentile(start, 99), percentile(end, 50), percentile(end, 99)];
  console.log(
    `  sample: convention CONV-7 netBase ${check.netBase}, oriented ${check.oriented}, leases ${check.counted?.bailSigne}; ledger of ${RESERVATAIRES[7]}: ${ledger.rows?.length} rows`,
  );
  console.log('\n| measure | value | target |');
  console.log('|---|---:|---:|');
  console.log(`| flux write at the start of the year (${start.length} writes), p50 / p99 | ${ms(s50)} / ${ms(s99)} ms | — |`);
  console.log(
    `| flux write at the end of the year, after ${FACTS.toLocaleString('en-US')} facts (${end.length} writes), p50 / p99 | ${ms(e50)} / ${ms(e99)} ms | — |`,
  );
  console.log(`| ratio end / start, p50 / p99 (same run) | ${(e50 / s50).toFixed(2)} / ${(e99 / s99).toFixed(2)} | ≈ 1 |`);
  console.log(
    `| audit ledger, 50 concurrent readers, p50 / p99 | ${ledgerRun.latency.p50} / ${ledgerRun.latency.p99} ms (${Math.round(ledgerRun.requests.average)} req/s, ${ledgerRun.non2xx} non-2xx) | — |`,
  );
  console.log(
    `| convention flux, 50 concurrent readers, p50 / p99 | ${fluxRun.latency.p50} / ${fluxRun.latency.p99} ms (${Math.round(fluxRun.requests.average)} req/s, ${fluxRun.non2xx} non-2xx) | — |`,
  );
  console.log(
    `| flux rebuild (${Number(events[0]!.n).toLocaleString('en-US')} events in the log) | ${Math.round(Number(events[0]!.n) / rebuild.seconds).toLocaleString('en-US')} ev/s | — |`,
  );

  const sequential = await rawSequentialRead(pool);
  console.log(`| plain sequential read of the events table | ${sequential.perSecond.toLocaleString('en-US')} ev/s | baseline |`);
  reportSizes({ bench: 'flux', sizes: { BENCH_FLUX_FACTS: FACTS, BENCH_FLUX_WRITES: WRITES, BENCH_SECONDS: SECONDS } });
  reportFigure({
    bench: 'flux',
    measure: `flux write after ${FACTS} facts of the year, p99`,
    value: Math.round(e99 * 10) / 10,
    unit: 'ms',
    target: '≈ the start-of-year p99 (ratio ≈ 1)',
    baseline: { name: 'flux write at the start of the year, p99', value: Math.round(s99 * 10) / 10 },
  });
  reportFigure({
    bench: 'flux',
    measure: `flux write after ${FACTS} facts of the year, p50`,
    value: Math.round(e50 * 10) / 10,
    unit: 'ms',
    target: '≈ the start-of-year p50 (ratio ≈ 1)',
    baseline: { name: 'flux write at the start of the year, p50', value: Math.round(s50 * 10) / 10 },
  });
  reportFigure({
    bench: 'flux',
    measure: 'audit ledger, 50 concurrent readers',
    value: Math.round(ledgerRun.requests.average),
    unit: 'req/s',
    target: '—',
  });
  reportFigure({
    bench: 'flux',
    measure: 'convention flux, 50 concurrent readers',
    value: Math.round(fluxRun.requests.average),
    unit: 'req/s',
    target: '—',
  });
  reportFigure({
    bench: 'flux',
    measure: `flux rebuild (${Number(events[0]!.n)} events in the log)`,
    value: Math.round(Number(events[0]!.n) / rebuild.seconds),
    unit: 'ev/s',
    target: '—',
    baseline: { name: 'raw pg sequential read of the events', value: sequential.perSecond },
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
