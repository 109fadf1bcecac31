import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { evaluateCompliance, type LeaseSignedData } from '@vigie/domain';
import { PostgresEventStore, type RecordedEvent } from '@vigie/event-store';
import { createTestDatabase, type TestDatabase, untilVisible } from '../../../../test/support/postgres.js';
import { syntheticLease } from '../../../../test/support/lease-events.js';
import { ProjectionRunner } from '../projection-runner.js';
import { ComplianceProjection, leaseVersionsStatement } from './compliance.projection.js';
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
  let store: PostgresEventStore;
  beforeAll(async () => {
    db = await createTestDatabase();
    store = new PostgresEventStore(db.pool);
  });
  afterAll(async () => {
    await store.close();
    await db.drop();
  });

  /** Appends the events in their order (the lease data is copied from the events table by the projection). */
  async function append(events: RecordedEvent[]): Promise<void> {
    await db.pool.query('TRUNCATE events, streams, checkpoints RESTART IDENTITY');
    for (const event of events) {
      await store.append(event.streamId, [
        { eventId: event.eventId, type: event.type, data: event.data, metadata: { actor: 'spec' } },
      ]);
    }
    await untilVisible(db.pool);
  }

  async function project(projection: ComplianceProjection, batchSize: number): Promise<void> {
    const client = await db.pool.connect();
    await projection.createTables(client);
    client.release();
    await new ProjectionRunner(db.pool, projection, { batchSize }).catchUp();
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
        fc.integer({ min: 1, max: 7 }),
        async (histories, picks, batchSize) => {
          run += 1;
          const events = toEvents(interleave(histories, picks));
          await append(events);
          await project(new ComplianceProjection(`_inc${run}`), batchSize);
          await project(new ComplianceProjection(`_all${run}`), 10_000);
          expect(await rows(`lease_facts_inc${run}`)).toEqual(await rows(`lease_facts_all${run}`));
          // Each version, valid from its event to the first correction or cancellation of its case after it.
          const versions = (await rows(`lease_facts_all${run}`)).map((row) => [
            row.stream_id,
            Number(row.valid_from),
            row.valid_to,
          ]);
          expect(versions).toEqual(expectedVersions(events));
          // Each EPCI-year, marked at the last position that changed its leases, in any batching.
          const scopes = async (table: string) =>
            (await db.pool.query(`SELECT epci_siren, year, position FROM ${table} ORDER BY epci_siren, year`)).rows;
          expect(await scopes(`compliance_scopes_inc${run}`)).toEqual(await scopes(`compliance_scopes_all${run}`));
          expect(await scopes(`compliance_scopes_all${run}`)).toEqual(
            (
              await db.pool.query(
                `SELECT epci_siren, year, max(greatest(valid_from, coalesce(valid_to, 0))) AS position
                 FROM lease_facts_all${run} GROUP BY epci_siren, year ORDER BY epci_siren, year`,
              )
            ).rows,
          );
          // Live facts: exactly the cases whose last step left a lease in force.
          const { rows: live } = await db.pool.query(
            `SELECT count(*)::int AS n FROM lease_facts_inc${run} WHERE valid_to IS NULL`,
          );
          expect(live[0].n).toBe(new Set(events.map((e) => e.streamId)).size - countCancelledAtEnd(events));
        },
      ),
      { numRuns: 25 },
    );
  }, 120_000);

  it('reads leases as of any position: before a correction, the corrected version is not seen', async () => {
    const base = syntheticLease(1);
    const signed = {
      ...base,
      flat: { ...base.flat, epciSiren: '200093201' },
      leaseDate: '2026-02-01',
      household: { ...base.household, yearlyResources: 50_000 },
    };
    const corrected = { ...signed, household: { ...signed.household, yearlyResources: 1_000 } };
    const envelope = {
      streamId: 'attribution-x-1',
      streamVersion: 1,
      schemaVersion: 1,
      metadata: { actor: 'spec' },
      recordedAt: new Date(),
    };
    await append([
      { ...envelope, globalPosition: 1, eventId: randomUUID(), type: 'LeaseSigned', data: signed },
      {
        ...envelope,
        streamId: 'cia-200093201',
        globalPosition: 2,
        eventId: randomUUID(),
        type: 'QuartileThresholdPublished',
        data: { epciSiren: '200093201', year: 2026, amountPerUc: 10_000, source: 'spec', correction: false },
      },
      {
        ...envelope,
        globalPosition: 3,
        eventId: randomUUID(),
        type: 'LeaseCorrected',
        data: { lease: corrected, reason: 'spec', correctsEventId: 'x' },
      },
    ]);
    const projection = new ComplianceProjection('_asof');
    await project(projection, 1);
    await db.pool.query(
      'DROP TABLE IF EXISTS lease_facts, cia_versions, quartile_thresholds, referential_entries, compliance_scopes',
    );
    for (const table of projection.tables) await db.pool.query(`ALTER TABLE ${table} RENAME TO ${table.replace('_asof', '')}`);
    const objective = signed.flat.qpvCode ? 'QNQ1' : 'HQ1';
    const figureAt = async (position: number) => {
      const inputs = await readComplianceInputs(db.pool, '200093201', 2026, position);
      const report = evaluateCompliance(
        inputs.facts,
        { cia: inputs.cia, thresholdPerUc: inputs.threshold?.amountPerUc },
        { epciSiren: '200093201', year: 2026, referenceDate: '2026-12-31' },
      );
      const figure = report.objectives.find((o) => o.id === objective)!.scopes[0]!.figure;
      return [figure.numerator, figure.denominator, figure.pendingQ1];
    };
    expect(await figureAt(0)).toEqual([0, 0, 0]);
    expect(await figureAt(1)).toEqual([0, 1, 1]); // no threshold yet: pending
    expect(await figureAt(2)).toEqual(objective === 'HQ1' ? [0, 1, 0] : [1, 1, 0]); // 50 000 €: not Q1
    expect(await figureAt(3)).toEqual(objective === 'HQ1' ? [1, 1, 0] : [0, 1, 0]); // corrected to 1 000 €: Q1
  });
});

/** [stream, valid_from, valid_to] of every lease version, in stream and position order, from the events alone. */
function expectedVersions(events: RecordedEvent[]): Array<[string, number, string | null]> {
  return events
    .filter((event) => event.type === 'LeaseSigned' || event.type === 'LeaseCorrected')
    .map((version): [string, number, string | null] => {
      const closer = events.find(
        (event) =>
          event.streamId === version.streamId &&
          event.globalPosition > version.globalPosition &&
          (event.type === 'LeaseCorrected' || event.type === 'LeaseCancelled'),
      );
      return [version.streamId, version.globalPosition, closer ? String(closer.globalPosition) : null];
    })
    .sort((a, b) => (a[0] === b[0] ? a[1] - b[1] : a[0] < b[0] ? -1 : 1));
}

/** Every index a plan (EXPLAIN FORMAT JSON) reads, by name. */
function indexesOf(plan: Record<string, unknown>): string[] {
  const own = typeof plan['Index Name'] === 'string' ? [plan['Index Name']] : [];
  return [...own, ...((plan.Plans as Array<Record<string, unknown>> | undefined) ?? []).flatMap(indexesOf)];
}

describe('Compliance projection on a log whose statistics are stale (real PostgreSQL)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
    // A log just loaded (or copied, or restored) and not analysed yet, with a partial index over
    // every lease event, as the API keeps one (households): 20 000 leases.
    await db.pool.query('ALTER TABLE events SET (autovacuum_enabled = false)');
    await db.pool.query(
      `CREATE INDEX events_every_lease ON events ((data->>'leaseId')) WHERE event_type IN ('LeaseSigned', 'LeaseCorrected')`,
    );
    await db.pool.query(
      `INSERT INTO events (stream_id, stream_version, event_id, event_type, schema_version, data, metadata)
       SELECT 'attribution-lmh-C' || i, 1, gen_random_uuid(), 'LeaseSigned', 1, jsonb_build_object('leaseId', 'L' || i), '{}'
       FROM generate_series(1, 20000) AS i`,
    );
    const client = await db.pool.connect();
    await new ComplianceProjection().createTables(client);
    client.release();
  });
  afterAll(() => db.drop());

  const planOf = async (sql: string, params: unknown[]) =>
    (await db.pool.query<{ 'QUERY PLAN': Array<{ Plan: Record<string, unknown> }> }>(`EXPLAIN (FORMAT JSON) ${sql}`, params))
      .rows[0]!['QUERY PLAN'][0]!.Plan;

  it('records a batch of one lease through the primary key alone, never through an index over every lease', async () => {
    // The trap, on this table: the batch's range and its types in one condition make PostgreSQL
    // intersect the range with the whole partial index.
    expect(
      indexesOf(
        await planOf(
          `SELECT stream_id FROM events WHERE global_position > $1 AND global_position <= $2 AND event_type = ANY($3)`,
          [19_999, 20_000, ['LeaseSigned', 'LeaseCorrected']],
        ),
      ),
    ).toContain('events_every_lease');

    const indexes = indexesOf(
      await planOf(leaseVersionsStatement(''), [19_999, 20_000, ['LeaseSigned', 'LeaseCorrected'], [], []]),
    );
    expect(indexes).toContain('events_pkey');
    expect(indexes).not.toContain('events_every_lease');
  });
});

function countCancelledAtEnd(events: RecordedEvent[]): number {
  const last = new Map<string, string>();
  for (const event of events) last.set(event.streamId, event.type);
  return [...last.values()].filter((type) => type === 'LeaseCancelled').length;
}
