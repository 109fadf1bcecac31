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
  const consumedAt = new Map<string, { at: number; scopePosition: number; type: string }>();
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
    // A refusal or a connection reset (an overloaded machine) is counted as a failure, not fatal.
    const request = post('/v1/leases', body).then(
      async (response) => {
        const at = performance.now();
        if (response.status !== 201) {
          if (failures === 0) console.error(`First refusal: ${response.status} ${await response.text()}`);
          failures += 1;
          return;
        }
        const { position } = (await response.json()) as { position: number };
        acceptedAt.set(position, at);
        sent += 1;
      },
      () => void (failures += 1),
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
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!;
  const types = [...consumedAt.values()].reduce<Record<string, number>>(
    (acc, v) => ({ ...acc, [v.type]: (acc[v.type] ?? 0) + 1 }),
    {},
  );

  console.log(
    `\nAlert benchmark: ${sent.toLocaleString('en-US')} leases accepted in ${sendSeconds.toFixed(1)} s (${Math.round(sent / sendSeconds)} /s asked ${RATE} /s, ${failures} failed), ${bailleurs} bailleurs`,
  );
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
