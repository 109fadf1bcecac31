import { randomUUID } from 'node:crypto';
import { attributionStreamId } from '@vigie/domain';
import { leaseSignedData } from '@vigie/domain/testing/attribution.builders.js';
import { PostgresEventStore } from '@vigie/event-store';
import { ComplianceProjection, ProjectionRunner } from '@vigie/projections';
import { createTestDatabase, type TestDatabase, untilVisible } from '../../../test/support/postgres.js';
import { ALERT_MONITOR_CHECKPOINT, AlertMonitor } from './alert-monitor.js';

const MEL = '200093201';
const HQ1_ALERT = `alert:${MEL}:2026:RATE_BELOW_TARGET:HQ1:epci:${MEL}`;

async function until(condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition()) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
}

describe('Alert monitor under a stream of writes', () => {
  let db: TestDatabase;
  let store: PostgresEventStore;
  /** The EPCI's first-quartile threshold for 2026 (10 000 €/UC), published. */
  const publishThreshold = (epci: string) =>
    store.append(`cia-${epci}`, [
      {
        eventId: randomUUID(),
        type: 'QuartileThresholdPublished',
        data: { epciSiren: epci, year: 2026, amountPerUc: 10_000, source: 'spec', correction: false },
        metadata: { actor: 'spec' },
      },
    ]);
  let compliance: ProjectionRunner;
  let n = 0;

  beforeAll(async () => {
    db = await createTestDatabase();
    store = new PostgresEventStore(db.pool);
    compliance = new ProjectionRunner(db.pool, new ComplianceProjection());
    await publishThreshold(MEL);
  });

  afterAll(async () => {
    await store.close();
    await db.drop();
  });

  /** Leases of one person outside any QPV: Q1 below the threshold, not Q1 above. */
  async function signLeases(
    count: number,
    yearlyResources: number,
    where: { bailleurId?: string; epciSiren?: string } = {},
  ): Promise<void> {
    for (let i = 0; i < count; i += 1) {
      n += 1;
      const data = leaseSignedData({
        leaseId: `L${n}`,
        caseId: `C${n}`,
        ...(where.bailleurId ? { bailleurId: where.bailleurId } : {}),
        ...(where.epciSiren ? { flat: { epciSiren: where.epciSiren } } : {}),
        household: { composition: { personsAged14OrMore: 1, childrenUnder14: 0 }, yearlyResources },
      });
      await store.append(attributionStreamId(data.bailleurId, data.caseId), [
        { eventId: randomUUID(), type: 'LeaseSigned', data, metadata: { actor: 'spec' } },
      ]);
    }
    await untilVisible(db.pool);
    // Until the projection has applied every event: a transaction open elsewhere on the server can hide
    // the last ones from a pass for a moment (gap safety), so "a pass applied nothing" is not "done".
    const target = await head();
    while (
      Number((await db.pool.query("SELECT position FROM checkpoints WHERE name = 'compliance'")).rows[0]?.position ?? 0) < target
    )
      await compliance.runOnce();
  }

  const checkpoint = async () =>
    Number(
      (await db.pool.query('SELECT position FROM checkpoints WHERE name = $1', [ALERT_MONITOR_CHECKPOINT])).rows[0]?.position ??
        0,
    );
  const head = async () => Number((await db.pool.query('SELECT max(global_position) AS head FROM events')).rows[0].head);
  const hq1Alert = async () => (await store.readStream(HQ1_ALERT)).events.map((event) => event.type);

  it('evaluates an EPCI-year at once, then at most once per interval, and never loses a change it deferred', async () => {
    let clock = Date.parse('2026-11-26T12:00:00Z');
    let recorded = 0;
    const monitor = new AlertMonitor(db.pool, store, {
      scopeIntervalMs: 1_500,
      now: () => new Date(clock),
      onRecorded: () => (recorded += 1),
    });
    // Given two Q1 leases: HQ1 at 100 %, no alert; evaluated at once, the checkpoint follows.
    await signLeases(2, 5_000);
    await monitor.runOnce();
    expect(await checkpoint()).toBe(await head());
    expect(await hq1Alert()).toEqual([]);
    expect(recorded).toBe(0);

    // When 18 leases above the threshold follow at once (2 / 20 = 10 % < 25 % − 2 points, sample 20 reached),
    // the EPCI-year was just evaluated: the change is deferred, and the checkpoint stays behind it.
    const before = await checkpoint();
    await signLeases(18, 50_000);
    await monitor.runOnce();
    expect(await hq1Alert()).toEqual([]);
    expect(await checkpoint()).toBe(before);

    // Then, once the interval has passed, the next pass evaluates it: the alert is raised, once.
    clock += 1_600;
    await monitor.runOnce();
    expect(await hq1Alert()).toEqual(['AlertRaised']);
    expect(await checkpoint()).toBeGreaterThan(before);
    // An in-process reader (the relay) is told once the alert is appended.
    expect(recorded).toBe(1);

    // A restarted monitor (nothing in memory) evaluates again at once and raises nothing twice.
    await new AlertMonitor(db.pool, store, { scopeIntervalMs: 1_500, now: () => new Date('2026-11-26T12:00:00Z') }).runOnce();
    expect(await hq1Alert()).toEqual(['AlertRaised']);
  });

  it('evaluates an EPCI-year that computes in a few ms after every change, without spacing', async () => {
    const EPCI = '200041960';
    const alert = async () =>
      (await store.readStream(`alert:${EPCI}:2026:RATE_BELOW_TARGET:HQ1:epci:${EPCI}`)).events.map((event) => event.type);
    await publishThreshold(EPCI);
    // A clock that stands still: any spacing would defer the second pass. The computing is
    // measured by a clock that says it took no time (a loaded machine's real one may say 10 ms or more).
    const monitor = new AlertMonitor(db.pool, store, { now: () => new Date('2026-11-26T12:00:00Z'), computingClock: () => 0 });
    // Given two Q1 leases, evaluated (HQ1 at 100 %, no alert)…
    await signLeases(2, 5_000, { epciSiren: EPCI });
    await monitor.runOnce();
    expect(await alert()).toEqual([]);
    // …when 18 leases above the threshold follow (2 / 20 = 10 %), the next pass raises the alert at once.
    await signLeases(18, 50_000, { epciSiren: EPCI });
    await monitor.runOnce();
    expect(await alert()).toEqual(['AlertRaised']);
  });

  it('spaces the evaluations of an EPCI-year that computes for 50 ms by three times that, then evaluates it', async () => {
    const EPCI = '200030195';
    const alert = async () =>
      (await store.readStream(`alert:${EPCI}:2026:RATE_BELOW_TARGET:HQ1:epci:${EPCI}`)).events.map((event) => event.type);
    await publishThreshold(EPCI);
    let clock = Date.parse('2026-11-26T12:00:00Z');
    // Every evaluation computes for 50 ms by its clock (read when it starts and when it ends).
    let computing = 0;
    const monitor = new AlertMonitor(db.pool, store, {
      now: () => new Date(clock),
      computingClock: () => (computing += 50),
    });
    await signLeases(2, 5_000, { epciSiren: EPCI });
    await monitor.runOnce();
    await signLeases(18, 50_000, { epciSiren: EPCI });
    // 100 ms later, within the 150 ms spacing: deferred.
    clock += 100;
    await monitor.runOnce();
    expect(await alert()).toEqual([]);
    // Past it: evaluated, the alert raised once.
    clock += 60;
    await monitor.runOnce();
    expect(await alert()).toEqual(['AlertRaised']);
  });

  it('evaluates a deferred EPCI-year once its interval has passed, with nothing new to wake it', async () => {
    const EPCI = '200040715';
    const alert = async () =>
      (await store.readStream(`alert:${EPCI}:2026:RATE_BELOW_TARGET:HQ1:epci:${EPCI}`)).events.map((event) => event.type);
    await publishThreshold(EPCI);
    // A poll interval far beyond the test's time: only the deferred EPCI-year's own due time can run the pass.
    const monitor = new AlertMonitor(db.pool, store, { scopeIntervalMs: 2_000, pollIntervalMs: 600_000 });
    monitor.start();
    try {
      // Given 20 leases above the threshold (HQ1 0 / 20), evaluated at once (this monitor has evaluated nothing yet)…
      await signLeases(20, 50_000, { epciSiren: EPCI });
      monitor.wake();
      await until(async () => (await alert()).length === 1, 10_000);
      expect(await alert()).toEqual(['AlertRaised']);
      // …when ten Q1 leases follow within the interval (10 / 30 ≥ 25 %: resolved), the pass they wake defers them,
      await signLeases(10, 5_000, { epciSiren: EPCI });
      monitor.wake();
      // then the monitor evaluates them by itself once the interval has passed.
      await until(async () => (await alert()).length === 2, 15_000);
      expect(await alert()).toEqual(['AlertRaised', 'AlertResolved']);
    } finally {
      await monitor.stop();
    }
  }, 30_000);

  it('observes only the scopes whose figures a write moved, and every scope again on a new day', async () => {
    const OTHER = '245900410';
    // The alert streams each pass reads: one per scope observed.
    const read: string[] = [];
    const watched = new Proxy(store, {
      get(target, property, receiver) {
        if (property === 'readStreams')
          return (ids: string[]) => {
            read.push(...ids);
            return target.readStreams(ids);
          };
        const value = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    let clock = Date.parse('2026-11-26T12:00:00Z');
    const monitor = new AlertMonitor(db.pool, watched, { scopeIntervalMs: 0, now: () => new Date(clock) });
    const observed = (bailleur: string) =>
      read.some((id) => id.startsWith(`alert:${OTHER}:2026:`) && id.endsWith(`:bailleur:${bailleur}`));
    // Given two bailleurs' leases, evaluated once: both bailleurs' scopes are observed.
    await signLeases(3, 50_000, { bailleurId: 'lmh', epciSiren: OTHER });
    await signLeases(3, 50_000, { bailleurId: 'vilogia', epciSiren: OTHER });
    await monitor.runOnce();
    expect([observed('lmh'), observed('vilogia')]).toEqual([true, true]);

    // When one more lease of vilogia follows the same day, only vilogia's scopes (and the EPCI's) are observed again.
    read.length = 0;
    await signLeases(1, 50_000, { bailleurId: 'vilogia', epciSiren: OTHER });
    await monitor.runOnce();
    expect([observed('lmh'), observed('vilogia')]).toEqual([false, true]);
    expect(read).toContain(`alert:${OTHER}:2026:RATE_BELOW_TARGET:HQ1:epci:${OTHER}`);

    // On the next day the year-end extrapolation of every scope has moved: all are observed again.
    read.length = 0;
    clock += 86_400_000;
    await signLeases(1, 50_000, { bailleurId: 'vilogia', epciSiren: OTHER });
    await monitor.runOnce();
    expect([observed('lmh'), observed('vilogia')]).toEqual([true, true]);
  });
});
