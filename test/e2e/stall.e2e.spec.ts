import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { Client, Pool } from 'pg';
import { loadConfig } from '@vigie/config';
import type { RunningApp } from '../../apps/api/src/bootstrap.js';
import { bootstrapWithTestOrganisations, TEST_ADMIN_KEY, TEST_PSEUDONYMISATION_KEY } from '../support/app.js';
import { appendInFlight } from '../support/postgres.js';
import { type PrivateCluster, startPrivateCluster } from '../support/private-postgres.js';

const AUTH = { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' };
const THRESHOLD_S = 2;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function lease(n: number) {
  return {
    eventId: randomUUID(),
    leaseId: `BAIL-S${n}`,
    caseId: `D-S${n}`,
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
    household: { numeroUnique: `hh-s-${n}`, composition: { personsAged14OrMore: 1, childrenUnder14: 0 }, yearlyResources: 9_800 },
    flags: {},
    reservataireId: null,
    gestionMode: 'directe',
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

/**
 * Another application keeps a write transaction open in another database of the same PostgreSQL
 * server (a private cluster, so what it causes reaches no other suite). By itself it holds none of
 * Vigie's events back. Behind a rolled-back append (a hole in the log), it does: readers cannot
 * tell the hole from an append still in flight until every transaction older than the next event
 * has ended, and /health and the figures must say so.
 */
describe('A write transaction open elsewhere on the server', () => {
  let cluster: PrivateCluster;
  let app: RunningApp;
  let other: Client;
  let vigie: Pool;

  beforeAll(async () => {
    cluster = await startPrivateCluster();
    await cluster.createDatabase('vigie');
    await cluster.createDatabase('other');
    app = await bootstrapWithTestOrganisations(
      loadConfig({
        PORT: '0',
        LOG_LEVEL: 'error',
        POLL_INTERVAL_MS: '50',
        VIGIE_ADMIN_KEY: TEST_ADMIN_KEY,
        VIGIE_PSEUDONYMISATION_KEY: TEST_PSEUDONYMISATION_KEY,
        HEALTH_STALL_THRESHOLD_S: String(THRESHOLD_S),
        DATABASE_URL: cluster.url('vigie'),
      }),
    );
    other = new Client({ connectionString: cluster.url('other'), application_name: 'other-app' });
    await other.connect();
    await other.query('CREATE TABLE t (x int)');
    vigie = new Pool({ connectionString: cluster.url('vigie'), max: 1 });
  }, 60_000);

  afterAll(async () => {
    await other?.end().catch(() => undefined);
    await vigie?.end().catch(() => undefined);
    await app?.close();
    await cluster?.destroy();
  });

  const health = async (): Promise<{ status: number; body: Json }> => {
    const response = await fetch(`${app.url}/health`);
    return { status: response.status, body: await response.json() };
  };
  const summary = async (): Promise<Json> =>
    (await fetch(`${app.url}/v1/epcis/200093201/leases/summary?year=2026`, { headers: AUTH })).json();
  const record = async (n: number) => {
    const response = await fetch(`${app.url}/v1/leases`, { method: 'POST', headers: AUTH, body: JSON.stringify(lease(n)) });
    expect(response.status).toBe(201);
    return ((await response.json()) as { position: number }).position;
  };
  const until = async <T>(probe: () => Promise<T>, accept: (value: T) => boolean, timeoutMs: number): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (accept(value)) return value;
      if (Date.now() > deadline) throw new Error(`not reached: ${JSON.stringify(value)}`);
      await sleep(50);
    }
  };

  it('holds nothing back by itself: a lease recorded while it is open is counted at once and /health stays ok', async () => {
    const first = await record(1);
    await until(summary, (body) => body.freshness.position >= first, 10_000);
    expect((await health()).body).toMatchObject({
      status: 'ok',
      causes: [],
      eventLog: { headPosition: first, visibleHeadPosition: first, heldBack: 0 },
    });

    await other.query('BEGIN');
    await other.query('INSERT INTO t VALUES (1)');
    try {
      const second = await record(2);
      const figures = await until(summary, (body) => body.freshness.position >= second, 10_000);
      expect(figures.total).toBe(2);
      await sleep((THRESHOLD_S + 0.5) * 1_000);
      const calm = await health();
      expect(calm.body).toMatchObject({
        status: 'ok',
        causes: [],
        eventLog: { headPosition: second, visibleHeadPosition: second, heldBack: 0 },
      });
      expect(calm.body.eventLog.oldestTransaction).toMatchObject({ database: 'other', applicationName: 'other-app' });
    } finally {
      await other.query('COMMIT');
    }
  }, 60_000);

  it('behind a rolled-back append, shows the true head, the visible head and the blocking transaction, degrades past the threshold, recovers after it ends', async () => {
    const before = (await summary()).total as number;
    const visible = (await health()).body.eventLog.headPosition as number;
    await other.query('BEGIN');
    await other.query('INSERT INTO t VALUES (1)');
    const openedAt = Date.now();
    // An append that takes a position and ends without its events (rolled back): a hole for ever.
    const hole = await appendInFlight(vigie);
    await hole.end();
    const next = await record(3);
    expect(next).toBe(hole.position + 1);

    // Below the threshold: the wait is visible, health not yet degraded.
    const early = await health();
    expect(early.body.status).toBe('ok');
    expect(early.body.eventLog).toMatchObject({ headPosition: next, visibleHeadPosition: visible, heldBack: 1 });
    expect(early.body.eventLog.oldestTransaction).toMatchObject({ database: 'other', applicationName: 'other-app' });
    expect(early.body.projector.lag).toBeGreaterThanOrEqual(1);
    const figures = await summary();
    expect(figures.total).toBe(before);
    expect(figures.freshness).toMatchObject({ position: visible, headPosition: next, visibleHeadPosition: visible });
    expect(figures.freshness.heldBackSeconds).toEqual(expect.any(Number));

    // Past the threshold: degraded, naming the cause.
    const degraded = await until(health, (h) => h.body.status === 'degraded', (THRESHOLD_S + 3) * 1_000);
    const after = (Date.now() - openedAt) / 1_000;
    console.log(`stall: /health degraded ${after.toFixed(1)} s after the transaction opened (threshold ${THRESHOLD_S} s)`);
    expect(after).toBeGreaterThanOrEqual(THRESHOLD_S - 0.5);
    expect(degraded.status).toBe(200);
    expect(degraded.body.causes).toHaveLength(1);
    expect(degraded.body.causes[0]).toMatch(/base « other ».*retient 1 événement.*annulé/);
    expect(degraded.body.eventLog.oldestTransaction.ageSeconds).toBeGreaterThanOrEqual(THRESHOLD_S - 0.5);

    await other.query('COMMIT');
    const recovered = await until(health, (h) => h.body.status === 'ok' && h.body.projector.lag === 0, 10_000);
    expect(recovered.body.eventLog).toMatchObject({
      headPosition: next,
      visibleHeadPosition: next,
      heldBack: 0,
      heldBackSeconds: null,
    });
    expect((await summary()).total).toBe(before + 1);
  }, 60_000);
});
