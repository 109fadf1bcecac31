import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { loadConfig } from '@vigie/config';
import type { RunningApp } from '../../apps/api/src/bootstrap.js';
import { bootstrapWithTestOrganisations, TEST_ADMIN_KEY, TEST_PSEUDONYMISATION_KEY } from '../support/app.js';
import { type PrivateCluster, startPrivateCluster } from '../support/private-postgres.js';

const AUTH = { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' };
const WRITERS = 6;

function lease(writer: number, n: number) {
  return {
    eventId: randomUUID(),
    leaseId: `BAIL-R${writer}-${n}`,
    caseId: `D-R${writer}-${n}`,
    bailleurId: 'lille-metropole-habitat',
    leaseDate: '2026-03-02',
    flat: {
      rplsId: '5935000001',
      communeInsee: '59350',
      epciSiren: '200093201',
      qpvCode: null,
      typology: 'T3',
      financing: 'PLUS',
    },
    household: {
      numeroUnique: `hh-${writer}-${n}`,
      composition: { personsAged14OrMore: 1, childrenUnder14: 0 },
      yearlyResources: 9_800,
    },
    flags: {},
    reservataireId: null,
    gestionMode: 'directe',
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function configFor(url: string, extra: Record<string, string> = {}) {
  return loadConfig({
    PORT: '0',
    LOG_LEVEL: 'error',
    POLL_INTERVAL_MS: '50',
    VIGIE_ADMIN_KEY: TEST_ADMIN_KEY,
    VIGIE_PSEUDONYMISATION_KEY: TEST_PSEUDONYMISATION_KEY,
    DATABASE_URL: url,
    ...extra,
  });
}

describe('PostgreSQL restarted under Vigie (a private cluster the test starts and stops)', () => {
  let cluster: PrivateCluster;
  let running: RunningApp | undefined;

  beforeAll(async () => {
    cluster = await startPrivateCluster();
    await cluster.createDatabase('vigie');
  }, 60_000);

  afterAll(async () => {
    await running?.close();
    await cluster.destroy();
  });

  it('start-up waits for a database that is not up yet, then starts', async () => {
    await cluster.stop();
    const starting = bootstrapWithTestOrganisations(configFor(cluster.url('vigie')));
    await sleep(1_500);
    await cluster.start();
    running = await starting;
    const health = await fetch(`${running.url}/health`);
    expect(health.status).toBe(200);
  }, 60_000);

  it('start-up gives up after its bounded wait with a message saying what is missing', async () => {
    const absent = `postgres://postgres@127.0.0.1:${cluster.port + 1}/vigie`;
    const started = Date.now();
    await expect(bootstrapWithTestOrganisations(configFor(absent, { DATABASE_STARTUP_TIMEOUT_S: '2' }))).rejects.toThrow(
      /Database 127\.0\.0\.1:\d+\/vigie not reachable after \d+ attempts/,
    );
    expect(Date.now() - started).toBeLessThan(5_000);
  }, 30_000);

  it('survives a restart while idle: the next request is served again', async () => {
    const app = running!;
    await cluster.stop();
    const during = await fetch(`${app.url}/v1/me`, { headers: AUTH });
    expect(during.status).toBe(503);
    expect(during.headers.get('retry-after')).toBe('2');
    expect(await during.json()).toMatchObject({ code: 'DATABASE_UNAVAILABLE', status: 503 });
    await cluster.start();
    const after = await fetch(`${app.url}/v1/me`, { headers: AUTH });
    expect(after.status).toBe(200);
  }, 60_000);

  it('answers 400 VALUE_NOT_STORABLE, not 500, for a value PostgreSQL refuses (SQLSTATE class 22), and writes nothing', async () => {
    const app = running!;
    const count = async () => {
      const response = await fetch(`${app.url}/health`);
      return ((await response.json()) as { headPosition: number }).headPosition;
    };
    const before = await count();
    const body = { ...lease(99, 0), flags: { priorityCategory: 'cat\u0000gorie' } };
    const response = await fetch(`${app.url}/v1/leases`, { method: 'POST', headers: AUTH, body: JSON.stringify(body) });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: expect.stringMatching(/^(VALUE_NOT_STORABLE|VALIDATION_FAILED)$/) });
    expect(await count()).toBe(before);
  });

  it('survives a restart during writes: only 201, 200 or 503; every acknowledged write recorded exactly once; projections catch up', async () => {
    const app = running!;
    const statuses = new Map<number, number>();
    const acknowledged: string[] = [];
    let retryAfterMissing = 0;
    let stop = false;
    const writer = async (w: number) => {
      for (let n = 0; !stop; n += 1) {
        const body = lease(w, n);
        // A 503 is retried with the same event id until acknowledged: the retry must not record twice.
        for (;;) {
          const response = await fetch(`${app.url}/v1/leases`, { method: 'POST', headers: AUTH, body: JSON.stringify(body) });
          await response.text();
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          if (response.status === 201 || response.status === 200) {
            acknowledged.push(body.eventId);
            break;
          }
          if (response.status === 503 && !response.headers.get('retry-after')) retryAfterMissing += 1;
          if (response.status !== 503) return;
          await sleep(100);
        }
      }
    };
    const writers = Array.from({ length: WRITERS }, (_, w) => writer(w));
    // Wait for writes, not for a time: on a loaded machine the first ones may take seconds.
    const until = async (reached: () => boolean) => {
      for (const deadline = Date.now() + 30_000; !reached() && Date.now() < deadline;) await sleep(50);
    };
    await until(() => acknowledged.length >= WRITERS);
    const before = acknowledged.length;
    await cluster.stop('fast');
    await sleep(1_500);
    await cluster.start();
    const restartedAt = acknowledged.length;
    await until(() => acknowledged.length >= restartedAt + WRITERS);
    stop = true;
    await Promise.all(writers);

    const byStatus = Object.fromEntries(statuses);
    console.log(`database restart during writes: answers ${JSON.stringify(byStatus)}, ${acknowledged.length} acknowledged`);
    expect(Object.keys(byStatus).map(Number).sort()).toEqual(expect.arrayContaining([201, 503]));
    expect(Object.keys(byStatus).every((status) => ['200', '201', '503'].includes(status))).toBe(true);
    expect(retryAfterMissing).toBe(0);
    expect(before).toBeGreaterThan(0);
    // Writes resumed after the restart without restarting the process.
    expect(acknowledged.length).toBeGreaterThan(restartedAt);

    const check = new (await import('pg')).Client({ connectionString: cluster.url('vigie') });
    await check.connect();
    try {
      const { rows } = await check.query<{ event_id: string; n: string }>(
        "SELECT event_id, count(*) AS n FROM events WHERE event_type = 'LeaseSigned' GROUP BY event_id",
      );
      const recorded = new Map(rows.map((row) => [row.event_id, Number(row.n)]));
      expect(acknowledged.filter((id) => recorded.get(id) !== 1)).toEqual([]);
      // Every write was retried until acknowledged: nothing else is in the log.
      expect(recorded.size).toBe(acknowledged.length);
      // The in-process projector recovered by itself.
      const deadline = Date.now() + 20_000;
      let projected = 0;
      while (Date.now() < deadline) {
        const summary = await check.query<{ total: string | null }>('SELECT sum(leases) AS total FROM lease_summary');
        projected = Number(summary.rows[0]?.total ?? 0);
        if (projected === acknowledged.length) break;
        await sleep(100);
      }
      expect(projected).toBe(acknowledged.length);
    } finally {
      await check.end();
    }
    const health = await fetch(`${app.url}/health`);
    expect(health.status).toBe(200);
  }, 90_000);

  it('an import running through a restart waits for the database and completes: termine, every row once', async () => {
    const app = running!;
    const TOTAL = 6_000;
    const tag = randomUUID().slice(0, 6);
    const file = Array.from({ length: TOTAL }, (_, i) =>
      JSON.stringify({
        type: 'lease',
        ...lease(900, i),
        eventId: undefined,
        leaseId: `IMP-${tag}-${i}`,
        caseId: `DI-${tag}-${i}`,
        household: { ...lease(900, i).household, numeroUnique: `hi-${tag}-${i}` },
      }),
    ).join('\n');
    const started = await fetch(`${app.url}/v1/imports`, {
      method: 'POST',
      headers: { ...AUTH, 'content-type': 'application/x-ndjson' },
      body: file,
    });
    expect(started.status).toBe(202);
    const { id } = (await started.json()) as { id: string };
    // A poll answered 503 while the database is away is asked again; only a known status counts.
    const report = async () => {
      const response = await fetch(`${app.url}/v1/imports/${id}`, { headers: AUTH });
      return response.status === 200
        ? ((await response.json()) as {
            status: string;
            done: number;
            accepted: number;
            alreadyImported: number;
            rejected: number;
          })
        : null;
    };
    for (let r = await report(); !r || r.done < 1_000; r = await report()) await sleep(50);
    await cluster.stop('fast');
    await sleep(1_500);
    await cluster.start();
    let done = await report();
    for (
      const deadline = Date.now() + 120_000;
      Date.now() < deadline && (!done || ['en_attente', 'en_cours'].includes(done.status));
    ) {
      await sleep(200);
      done = await report();
    }
    expect(done).toMatchObject({ status: 'termine', rejected: 0 });
    expect(done!.accepted + done!.alreadyImported).toBe(TOTAL);
    const check = new (await import('pg')).Client({ connectionString: cluster.url('vigie') });
    await check.connect();
    try {
      const { rows } = await check.query<{ n: string; d: string }>(
        "SELECT count(*) AS n, count(DISTINCT data->>'leaseId') AS d FROM events WHERE event_type = 'LeaseSigned' AND data->>'leaseId' LIKE $1",
        [`IMP-${tag}-%`],
      );
      expect([Number(rows[0]!.n), Number(rows[0]!.d)]).toEqual([TOTAL, TOTAL]);
    } finally {
      await check.end();
    }
  }, 180_000);
});
