import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { adminFetch, getJson, postJson, startTestApp, waitFor, type TestApp } from '../support/app.js';

const MEL = '200093201';
const HQ1_ALERT = `alert:${MEL}:2026:RATE_BELOW_TARGET:HQ1:epci:${MEL}`;

function lease(n: number, resources: number) {
  return {
    eventId: randomUUID(),
    leaseId: `B-AL-${n}`,
    caseId: `D-AL-${n}`,
    bailleurId: 'lmh',
    leaseDate: '2026-05-04',
    flat: { rplsId: `59100${n}`, communeInsee: '59350', epciSiren: MEL, qpvCode: null, typology: 'T3', financing: 'PLUS' },
    household: {
      numeroUnique: `hh-alert-${n}`,
      composition: { personsAged14OrMore: 1, childrenUnder14: 0 },
      yearlyResources: resources,
    },
    reservataireId: null,
    gestionMode: 'directe',
  };
}

describe('Drift alerts: raised once, resolved once, on the API, the live stream and Kafka', () => {
  let app: TestApp;
  const prefix = `vigie-e2e-${randomUUID().slice(0, 8)}`;
  const sse: Array<{ event: string; data: { type: string; alertId?: string } }> = [];
  const abort = new AbortController();

  beforeAll(async () => {
    app = await startTestApp({ KAFKA_BROKERS: process.env.VIGIE_TEST_KAFKA_BROKERS!, KAFKA_TOPIC_PREFIX: prefix });
    expect(
      (
        await postJson(`${app.url}/v1/epcis/${MEL}/quartile-thresholds`, {
          year: 2026,
          amountPerUc: 10_000,
          source: 'arrêté 2026',
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await postJson(`${app.url}/v1/epcis/${MEL}/cia`, {
          adoptedOn: '2026-01-10',
          terms: { period: { startYear: 2026, endYear: 2031 }, options: { alerts: { minimumSample: 10 } } },
        })
      ).status,
    ).toBe(201);
    const response = await adminFetch(`${app.url}/v1/stream?epci=${MEL}`, { signal: abort.signal });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    void (async () => {
      const decoder = new TextDecoder();
      let buffer = '';
      try {
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          buffer += decoder.decode(chunk, { stream: true });
          let end;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const event = /^event: (.*)$/m.exec(block)?.[1];
            const data = /^data: (.*)$/m.exec(block)?.[1];
            if (event && data) sse.push({ event, data: JSON.parse(data) });
          }
        }
      } catch {
        // aborted at the end of the suite
      }
    })();
  });

  afterAll(async () => {
    abort.abort();
    await app.close();
  });

  it('raises HQ1 once the sample is reached below target − tolerance, and resolves it once back at target', async () => {
    for (let n = 0; n < 10; n += 1) expect((await postJson(`${app.url}/v1/leases`, lease(n, 20_000))).status).toBe(201);
    const open = await waitFor(
      () => getJson(`${app.url}/v1/alerts?epci=${MEL}&status=ouverte`),
      (r) => r.body.some((a: { alertId: string }) => a.alertId === HQ1_ALERT),
    );
    const alert = open.body.find((a: { alertId: string }) => a.alertId === HQ1_ALERT);
    expect(alert).toMatchObject({
      rule: 'RATE_BELOW_TARGET',
      objective: 'HQ1',
      scope: { kind: 'epci', id: MEL },
      measure: { numerator: 0, denominator: 10, target: 0.25, threshold: 0.23 },
    });
    expect(alert.evidence.position).toBeGreaterThan(0);
    // The same scope per bailleur is watched too.
    expect(open.body.map((a: { alertId: string }) => a.alertId)).toContain(
      `alert:${MEL}:2026:RATE_BELOW_TARGET:HQ1:bailleur:lmh`,
    );

    // One more non-Q1 lease: still breached, nothing raised again.
    expect((await postJson(`${app.url}/v1/leases`, lease(10, 20_000))).status).toBe(201);
    // Four Q1 leases: 4 / 15 = 26.7 % ≥ 25 %: resolved.
    for (let n = 11; n < 15; n += 1) expect((await postJson(`${app.url}/v1/leases`, lease(n, 5_000))).status).toBe(201);
    const resolved = await waitFor(
      () => getJson(`${app.url}/v1/alerts?epci=${MEL}&rule=RATE_BELOW_TARGET&scope=epci:${MEL}`),
      (r) => r.body.some((a: { alertId: string; status: string }) => a.alertId === HQ1_ALERT && a.status === 'resolue'),
    );
    expect(resolved.body.find((a: { alertId: string }) => a.alertId === HQ1_ALERT).measure).toMatchObject({
      numerator: 4,
      denominator: 15,
    });
    const { rows } = await app.db.pool.query('SELECT event_type FROM events WHERE stream_id = $1 ORDER BY stream_version', [
      HQ1_ALERT,
    ]);
    expect(rows.map((r) => r.event_type)).toEqual(['AlertRaised', 'AlertResolved']);
    // No pass failed on the way (a failed pass is retried, which would hide a bug behind a delay).
    expect((await getJson(`${app.url}/health`)).body.alertMonitor).toMatchObject({ lastError: null, failedPasses: 0 });
  });

  it('pushes the alerts on the live stream', async () => {
    await waitFor(
      async () => sse.filter((e) => e.event === 'alert' && e.data.alertId === HQ1_ALERT).map((e) => e.data.type),
      (types) => types.length === 2,
    );
    expect(sse.filter((e) => e.event === 'alert' && e.data.alertId === HQ1_ALERT).map((e) => e.data.type)).toEqual([
      'AlertRaised',
      'AlertResolved',
    ]);
    expect(sse.filter((e) => e.event === 'fact').length).toBeGreaterThanOrEqual(15);
  });

  it('publishes them on the versioned alerts topic, with their event ids', async () => {
    const consumer = new Kafka({
      clientId: 'alerts-e2e',
      brokers: process.env.VIGIE_TEST_KAFKA_BROKERS!.split(','),
      logLevel: logLevel.NOTHING,
    }).consumer({
      groupId: `alerts-e2e-${randomUUID()}`,
    });
    const seen: Array<{ type: string; streamId: string; eventId: string; header: string }> = [];
    await consumer.connect();
    await consumer.subscribe({ topic: `${prefix}.alerts.v1`, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const value = JSON.parse(message.value!.toString());
        seen.push({
          type: value.type,
          streamId: value.streamId,
          eventId: value.eventId,
          header: message.headers!['event-id']!.toString(),
        });
      },
    });
    await waitFor(
      async () => seen.filter((m) => m.streamId === HQ1_ALERT).length,
      (n) => n >= 2,
      30_000,
    );
    await consumer.disconnect();
    const hq1 = seen.filter((m) => m.streamId === HQ1_ALERT);
    expect(hq1.map((m) => m.type)).toEqual(['AlertRaised', 'AlertResolved']);
    for (const m of hq1) expect(m.header).toBe(m.eventId);
  }, 60_000);
});
