/**
 * npm run bench:alerts — 200 leases/s over HTTP for 60 s (BENCH_SECONDS, BENCH_RATE override)
 * against the running API (own process, projector in-process, real Kafka broker). The leases
 * push HQ1 of many bailleurs below target (alert raised at the 20th lease), then back above
 * (resolved). Measures, for every alert consumed from Kafka, the time from the acceptance of
 * the lease that made the figures cross (its position is the alert's evidence) to consumption.
 */
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { eventStoreMigrations } from '@vigie/event-store';
import { projectionMigrations } from '@vigie/projections';
import { createPool, migrate } from '@vigie/postgres';
import { startKafka } from '../support/kafka.js';
import { benchFetch, benchServer, createDatabase, dropDatabase, startApiProcess } from './bench-database.js';
import { reportFigure, reportSizes } from './bench-report.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const RATE = Number(process.env.BENCH_RATE ?? 200);
const MEL = '200093201';

async function main(): Promise<void> {
  const server = await benchServer();
  const kafka = await startKafka();
  const dbName = `vigie_bench_alerts_${Date.now().toString(36)}`;
  const url = await createDatabase(server.adminUrl, dbName);
  const pool = createPool(url, 2);
  await migrate(pool, [...eventStoreMigrations, ...projectionMigrations]);
  const prefix = `vigie-bench-${randomUUID().slice(0, 8)}`;
  const api = await startApiProcess(url, { KAFKA_BROKERS: kafka.brokers, KAFKA_TOPIC_PREFIX: prefix, POLL_INTERVAL_MS: '100' });
  const base = api.base;
  const post = (path: string, body: unknown) =>
    benchFetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  await post(`/v1/epcis/${MEL}/quartile-thresholds`, { year: 2026, amountPerUc: 10_000, source: 'bench' });
  await post(`/v1/epcis/${MEL}/cia`, { adoptedOn: '2026-01-10', terms: { period: { startYear: 2026, endYear: 2031 } } });

  // Consumer first, so nothing is missed.
  const consumedAt = new Map<
    string,
    { at: number; scopePosition: number; type: string; recordedAt: number; producedAt: number; consumedAt: number }
  >();
  const consumer = new Kafka({ clientId: 'bench-alerts', brokers: [kafka.brokers], logLevel: logLevel.NOTHING }).consumer({
    groupId: `bench-${randomUUID()}`,
  });
  await consumer.connect();
  const admin = new Kafka({ clientId: 'bench-admin', brokers: [kafka.brokers], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await admin
    .createTopics({ topics: [{ topic: `${prefix}.alerts.v1`, numPartitions: 3 }], waitForLeaders: true })
    .catch(() => undefined);
  await admin.disconnect();
  await consumer.subscribe({ topic: `${prefix}.alerts.v1`, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const value = JSON.parse(message.value!.toString());
      consumedAt.set(value.eventId, {
        at: performance.now(),
        scopePosition: value.data.evidence.scopePosition,
        type: value.type,
        // Wall clocks of one machine, for the stages: the alert's append, its produce, its consumption.
        recordedAt: Date.parse(value.recordedAt),
        producedAt: Number(message.timestamp),
        consumedAt: Date.now(),
      });
    },
  });

  // Each bailleur: 20 non-Q1 leases (HQ1 0 / 20 → raised), then 10 Q1 leases (10 / 30 → resolved). Bailleurs interleaved.
  const acceptedAt = new Map<number, number>();
  const total = SECONDS * RATE;
  const perBailleur = 30;
  const bailleurs = Math.ceil(total / perBailleur);
  const order = Array.from({ length: total }, (_, i) => ({ bailleur: i % bailleurs, step: Math.floor(i / bailleurs) }));
  // Facts name registered organisations only.
  for (let bailleur = 0; bailleur < bailleurs; bailleur += 1) {
    const response = await benchFetch(`${base}/v1/bailleurs/bailleur-${bailleur}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: `Bailleur ${bailleur}`, siren: null }),
    });
    if (!response.ok) throw new Error(`bailleur-${bailleur} not registered: ${response.status} ${await response.text()}`);
  }
  let sent = 0;
  let failures = 0;
  /** Failures by status and problem code ("503 DATABASE_UNAVAILABLE (Retry-After)", "no answer: ECONNRESET"). */
  const failuresBy = new Map<string, number>();
  const fail = (kind: string, detail: string) => {
    if (!failuresBy.has(kind)) console.error(`First failure "${kind}": ${detail.slice(0, 500)}`);
    failuresBy.set(kind, (failuresBy.get(kind) ?? 0) + 1);
    failures += 1;
  };
  /** How long each answered lease request took (ms), whatever its status. */
  const answerMs: number[] = [];
  const started = performance.now();
  const inFlight = new Set<Promise<void>>();
  for (const [i, { bailleur, step }] of order.entries()) {
    const due = started + (i * 1_000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const body = {
      eventId: randomUUID(),
      leaseId: `B-${bailleur}-${step}`,
      caseId: `D-${bailleur}-${step}`,
      bailleurId: `bailleur-${bailleur}`,
      leaseDate: '2026-04-15',
      flat: {
        rplsId: `59${bailleur}${step}`.slice(0, 20),
        communeInsee: '59350',
        epciSiren: MEL,
        qpvCode: null,
        typology: 'T3',
        financing: 'PLUS',
      },
      household: {
        numeroUnique: `hh-b-${bailleur}-${step}`,
        composition: { personsAged14OrMore: 1, childrenUnder14: 0 },
        yearlyResources: step < 20 ? 25_000 : 5_000,
      },
      reservataireId: null,
      gestionMode: 'directe',
    };
    // A refusal or a connection reset (an overloaded machine) is counted as a failure, not fatal,
    // under its status and problem code (or the connection error's code).
    const requested = performance.now();
    const request = post('/v1/leases', body).then(
      async (response) => {
        const at = performance.now();
        answerMs.push(at - requested);
        if (response.status !== 201) {
          const text = await response.text();
          const code = (() => {
            try {
              return (JSON.parse(text) as { code?: string }).code ?? '?';
            } catch {
              return 'not JSON';
            }
          })();
          const retryAfter = response.headers.get('retry-after');
          fail(`${response.status} ${code}${retryAfter === null ? '' : ' (Retry-After)'}`, text);
          return;
        }
        const { position } = (await response.json()) as { position: number };
        acceptedAt.set(position, at);
        sent += 1;
      },
      (error: Error & { cause?: { code?: string; message?: string } }) =>
        fail(`no answer: ${error.cause?.code ?? error.cause?.message ?? error.message}`, String(error.cause ?? error)),
    );
    inFlight.add(request);
    void request.finally(() => inFlight.delete(request));
  }
  await Promise.all(inFlight);
  const sendSeconds = (performance.now() - started) / 1_000;
  // Let the last alerts arrive.
  let last = consumedAt.size;
  for (;;) {
    await new Promise((r) => setTimeout(r, 3_000));
    if (consumedAt.size === last) break;
    last = consumedAt.size;
  }
  await consumer.disconnect();
  await api.stop();

  const latencies: number[] = [];
  const positions = [...acceptedAt.keys()].sort((a, b) => a - b);
  for (const { at, scopePosition } of consumedAt.values()) {
    // The lease that made the figures cross: the one at the alert's scope position (or the last accepted before it).
    let accepted = acceptedAt.get(scopePosition);
    if (accepted === undefined) {
      const before = positions.filter((p) => p <= scopePosition).at(-1);
      accepted = before === undefined ? undefined : acceptedAt.get(before);
    }
    if (accepted !== undefined) latencies.push(at - accepted);
  }
  latencies.sort((a, b) => a - b);
  const percentile = (values: number[], p: number) =>
    [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))] ?? NaN;
  const pct = (p: number) => percentile(latencies, p);
  // Where the time goes, by the wall clock: lease appended (its recorded_at) → alert appended
  // (projection, monitor wake-up and evaluation) → produced to Kafka (relay) → consumed.
  const { rows: leaseRows } = await pool.query<{ global_position: string; at: Date }>(
    'SELECT global_position, recorded_at AS at FROM events WHERE global_position = ANY($1)',
    [[...new Set([...consumedAt.values()].map((v) => v.scopePosition))]],
  );
  const leaseRecordedAt = new Map(leaseRows.map((row) => [Number(row.global_position), row.at.getTime()]));
  const stages = {
    'lease appended → alert appended': [] as number[],
    'alert appended → produced': [] as number[],
    'produced → consumed': [] as number[],
  };
  for (const v of consumedAt.values()) {
    const lease = leaseRecordedAt.get(v.scopePosition);
    if (lease !== undefined) stages['lease appended → alert appended'].push(v.recordedAt - lease);
    stages['alert appended → produced'].push(v.producedAt - v.recordedAt);
    stages['produced → consumed'].push(v.consumedAt - v.producedAt);
  }
  const types = [...consumedAt.values()].reduce<Record<string, number>>(
    (acc, v) => ({ ...acc, [v.type]: (acc[v.type] ?? 0) + 1 }),
    {},
  );

  console.log(
    `\nAlert benchmark: ${sent.toLocaleString('en-US')} leases accepted in ${sendSeconds.toFixed(1)} s (${Math.round(sent / sendSeconds)} /s asked ${RATE} /s, ${failures} failed), ${bailleurs} bailleurs`,
  );
  if (failures > 0)
    console.log(
      `Failures by status and code: ${[...failuresBy.entries()]
        .sort((a, b) => b[1] - a[1])
        .map(([kind, n]) => `${n} × ${kind}`)
        .join(', ')}`,
    );
  answerMs.sort((a, b) => a - b);
  const answerPct = (p: number) => answerMs[Math.min(answerMs.length - 1, Math.floor((p / 100) * answerMs.length))] ?? NaN;
  console.log(`Lease request answered, p50 / p99: ${answerPct(50).toFixed(0)} / ${answerPct(99).toFixed(0)} ms`);
  console.log('\n| measure | value | target |');
  console.log('|---|---:|---:|');
  console.log(
    `| alerts consumed from Kafka | ${consumedAt.size} (${Object.entries(types)
      .map(([t, n]) => `${n} ${t}`)
      .join(', ')}) | — |`,
  );
  console.log(
    `| lease accepted → alert consumed, p50 / p99 / max | ${pct(50).toFixed(0)} / ${pct(99).toFixed(0)} / ${latencies.at(-1)!.toFixed(0)} ms | p99 ≤ 100 ms |`,
  );

  for (const [stage, values] of Object.entries(stages))
    console.log(
      `| stage: ${stage}, p50 / p99 | ${percentile(values, 50).toFixed(0)} / ${percentile(values, 99).toFixed(0)} ms | — |`,
    );

  reportSizes({ bench: 'alerts', sizes: { BENCH_SECONDS: SECONDS, BENCH_RATE: RATE } });
  reportFigure({
    bench: 'alerts',
    measure: `lease accepted → alert consumed from Kafka, p99 (${RATE} leases/s asked, ${Math.round(sent / sendSeconds)} /s accepted, ${failures} failed, ${consumedAt.size} alerts)`,
    value: Math.round(pct(99)),
    unit: 'ms',
    target: 'p99 ≤ 100 ms',
  });
  reportFigure({
    bench: 'alerts',
    measure: `lease accepted → alert consumed from Kafka, p50 (same run)`,
    value: Math.round(pct(50)),
    unit: 'ms',
    target: '—',
  });

  await pool.end();
  await kafka.stop();
  await dropDatabase(server.adminUrl, dbName);
  await server.stop();
  process.exit(0);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
