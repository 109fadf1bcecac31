import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { evaluateCompliance, type LeaseSignedData } from '@vigie/domain';
import type { RecordedEvent } from '@vigie/event-store';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/postgres.js';
import { syntheticLease } from '../../../../test/support/lease-events.js';
import { ComplianceProjection } from './compliance.projection.js';
import { readComplianceInputs } from './compliance.query.js';

type Step = { kind: 'sign'; seed: number } | { kind: 'correct'; seed: number } | { kind: 'cancel' };

/** The life of one case: signed, corrected any number of times, maybe cancelled and signed again. */
const caseHistory = fc
  .array(
    fc.oneof(fc.record({ kind: fc.constant('correct' as const), seed: fc.nat(1_000) }), fc.constant({ kind: 'cancel' as const })),
    { maxLength: 4 },
  )
  .chain((later) => fc.nat(1_000).map((seed) => [{ kind: 'sign', seed } as Step, ...later]));

/** Interleaves the cases' histories in any order that keeps each case's own order. */
function interleave(histories: Step[][], picks: number[]): Array<{ caseIndex: number; step: Step }> {
  const cursors = histories.map(() => 0);
  const out: Array<{ caseIndex: number; step: Step }> = [];
  let pick = 0;
  for (;;) {
    const open = histories.map((h, i) => (cursors[i]! < h.length ? i : -1)).filter((i) => i >= 0);
    if (!open.length) return out;
    const caseIndex = open[picks[pick++ % picks.length]! % open.length]!;
    out.push({ caseIndex, step: histories[caseIndex]![cursors[caseIndex]!]! });
    cursors[caseIndex]! += 1;
  }
}

/** Turns steps into the events a decider would allow: corrections and cancellations only of a live lease. */
function toEvents(steps: Array<{ caseIndex: number; step: Step }>): RecordedEvent[] {
  const live = new Map<number, { lease: LeaseSignedData; eventId: string } | null>();
  const events: RecordedEvent[] = [];
  for (const { caseIndex, step } of steps) {
    const current = live.get(caseIndex) ?? null;
    const base = (seed: number): LeaseSignedData => ({
      ...syntheticLease(seed),
      caseId: `C${caseIndex}`,
      leaseId: `L${caseIndex}`,
      bailleurId: 'lmh',
    });
    const position = events.length + 1;
    const eventId = randomUUID();
    const envelope = {
      globalPosition: position,
      streamId: `attribution-lmh-C${caseIndex}`,
      streamVersion: position,
      eventId,
      schemaVersion: 1,
      metadata: { actor: 'spec' },
      recordedAt: new Date(),
    };
    if (step.kind === 'sign' && !current) {
      const lease = base(step.seed);
      events.push({ ...envelope, type: 'LeaseSigned', data: lease });
      live.set(caseIndex, { lease, eventId });
    } else if (step.kind === 'correct' && current) {
      const lease = { ...base(step.seed) };
      events.push({ ...envelope, type: 'LeaseCorrected', data: { lease, reason: 'spec', correctsEventId: current.eventId } });
      live.set(caseIndex, { lease, eventId });
    } else if (step.kind === 'cancel' && current) {
      events.push({
        ...envelope,
        type: 'LeaseCancelled',
        data: {
          leaseId: `L${caseIndex}`,
          caseId: `C${caseIndex}`,
          bailleurId: 'lmh',
          reason: 'spec',
          cancelsEventId: current.eventId,
        },
      });
      live.set(caseIndex, null);
    }
  }
  return events;
}

describe('Compliance projection (real PostgreSQL)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

  async function project(projection: ComplianceProjection, events: RecordedEvent[], cuts: number[]): Promise<void> {
    const client = await db.pool.connect();
    try {
      await projection.createTables(client);
      let start = 0;
      for (const cut of [...cuts.map((c) => c % (events.length + 1)).sort((a, b) => a - b), events.length]) {
        if (cut <= start) continue;
        await client.query('BEGIN');
        await projection.apply(client, events.slice(start, cut));
        await client.query('COMMIT');
        start = cut;
      }
    } finally {
      client.release();
    }
  }

  const rows = async (table: string) =>
    (
      await db.pool.query(
        `SELECT stream_id, valid_from, valid_to, epci_siren, year, lease FROM ${table} ORDER BY stream_id, valid_from`,
      )
    ).rows;

  it('gives the same lease facts (hence figures) in any batching as in one batch, for any order the streams allow', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(caseHistory, { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 30 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        async (histories, picks, cuts) => {
          run += 1;
          const events = toEvents(interleave(histories, picks));
          const incremental = new ComplianceProjection(`_inc${run}`);
          const whole = new ComplianceProjection(`_all${run}`);
          await project(incremental, events, cuts);
          await project(whole, events, []);
          expect(await rows(`lease_facts_inc${run}`)).toEqual(await rows(`lease_facts_all${run}`));
          // Live facts: exactly the cases whose last step left a lease in force.
          const { rows: live } = await db.pool.query(
            `SELECT count(*)::int AS n FROM lease_facts_inc${run} WHERE valid_to IS NULL`,
          );
          const expectedLive = new Set(events.map((e) => e.streamId)).size - countCancelledAtEnd(events);
          expect(live[0].n).toBe(expectedLive);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('reads leases as of any position: before a correction, the corrected version is not seen', async () => {
    const projection = new ComplianceProjection();
    const signed = {
      ...syntheticLease(1),
      flat: { ...syntheticLease(1).flat, epciSiren: '200093201' },
      leaseDate: '2026-02-01',
      household: { ...syntheticLease(1).household, yearlyResources: 50_000 },
    };
    const corrected = { ...signed, household: { ...signed.household, yearlyResources: 1_000 } };
    const envelope = {
      streamId: 'attribution-x-1',
      streamVersion: 1,
      schemaVersion: 1,
      metadata: { actor: 'spec' },
      recordedAt: new Date(),
    };
    await project(
      projection,
      [
        { ...envelope, globalPosition: 10, eventId: randomUUID(), type: 'LeaseSigned', data: signed },
        {
          ...envelope,
          globalPosition: 11,
          eventId: randomUUID(),
          type: 'QuartileThresholdPublished',
          data: { epciSiren: '200093201', year: 2026, amountPerUc: 10_000, source: 'spec', correction: false },
        },
        {
          ...envelope,
          globalPosition: 12,
          eventId: randomUUID(),
          type: 'LeaseCorrected',
          data: { lease: corrected, reason: 'spec', correctsEventId: 'x' },
        },
      ],
      [],
    );
    const hq1At = async (position: number) => {
      const inputs = await readComplianceInputs(db.pool, '200093201', 2026, position);
      const report = evaluateCompliance(
        inputs.facts,
        { cia: inputs.cia, thresholdPerUc: inputs.threshold?.amountPerUc },
        { epciSiren: '200093201', year: 2026, referenceDate: '2026-12-31' },
      );
      const figure = report.objectives.find((o) => o.id === (signed.flat.qpvCode ? 'QNQ1' : 'HQ1'))!.scopes[0]!.figure;
      return [figure.numerator, figure.denominator, figure.pendingQ1];
    };
    const q1Objective = !signed.flat.qpvCode;
    expect(await hq1At(9)).toEqual([0, 0, 0]);
    expect(await hq1At(10)).toEqual([0, 1, 1]); // no threshold yet: pending
    expect(await hq1At(11)).toEqual(q1Objective ? [0, 1, 0] : [1, 1, 0]); // 50 000 €: not Q1
    expect(await hq1At(12)).toEqual(q1Objective ? [1, 1, 0] : [0, 1, 0]); // corrected to 1 000 €: Q1
  });
});

function countCancelledAtEnd(events: RecordedEvent[]): number {
  const last = new Map<string, string>();
  for (const event of events) last.set(event.streamId, event.type);
  return [...last.values()].filter((type) => type === 'LeaseCancelled').length;
}
