import { randomUUID } from 'node:crypto';
import { attributionStreamId, evaluateCompliance, referentialStreamId, type LeaseSignedData } from '@vigie/domain';
import { leaseSignedData } from '@vigie/domain/testing/attribution.builders.js';
import { PostgresEventStore } from '@vigie/event-store';
import { createTestDatabase, type TestDatabase, untilVisible } from '../../../../test/support/postgres.js';
import { ProjectionRunner } from '../projection-runner.js';
import { ComplianceProjection } from './compliance.projection.js';
import { readComplianceInputs, readLeasesNaming } from './compliance.query.js';

/**
 * A referential change never moves a figure already counted: a lease counts on the facts it
 * records (its flat's QPV and EPCI as of its date), and a QPV re-registered later changes none of
 * them. What a change is checked against is read here: the leases in force that name the entry.
 */
describe('The compliance read model and referential changes (real PostgreSQL)', () => {
  const MEL = '200093201';
  const QPV = 'QN05901M';
  let db: TestDatabase;
  let store: PostgresEventStore;
  let runner: ProjectionRunner;

  beforeAll(async () => {
    db = await createTestDatabase();
    store = new PostgresEventStore(db.pool);
    const projection = new ComplianceProjection();
    const client = await db.pool.connect();
    await projection.createTables(client);
    client.release();
    runner = new ProjectionRunner(db.pool, projection, { batchSize: 100 });
  });
  afterAll(async () => {
    await store.close();
    await db.drop();
  });

  const lease = (n: number, leaseDate: string, qpvCode: string | null, yearlyResources: number, reservataireId: string | null) =>
    leaseSignedData({
      leaseId: `L${n}`,
      caseId: `C${n}`,
      bailleurId: 'lmh',
      leaseDate,
      flat: { rplsId: `R${n}`, communeInsee: qpvCode ? '59350' : '59512', epciSiren: MEL, qpvCode },
      household: { pseudonymousId: `hh-${n}`, yearlyResources },
      reservataireId,
    });
  async function append(streamId: string, type: string, data: unknown): Promise<string> {
    const eventId = randomUUID();
    await store.append(streamId, [{ eventId, type, data, metadata: { actor: 'spec' } }]);
    return eventId;
  }
  const sign = (data: LeaseSignedData) => append(attributionStreamId('lmh', data.caseId), 'LeaseSigned', data);
  async function catchUp(): Promise<number> {
    await untilVisible(db.pool);
    await runner.catchUp();
    const { rows } = await db.pool.query<{ position: string }>('SELECT max(global_position) AS position FROM events');
    return Number(rows[0]!.position);
  }
  const qnq1At = async (position: number) => {
    const inputs = await readComplianceInputs(db.pool, MEL, 2025, position);
    const report = evaluateCompliance(
      inputs.facts,
      { cia: inputs.cia, thresholdPerUc: inputs.threshold?.amountPerUc },
      { epciSiren: MEL, year: 2025, referenceDate: '2025-12-31' },
    );
    const figure = report.objectives.find((o) => o.id === 'QNQ1')!.scopes[0]!.figure;
    return [figure.numerator, figure.denominator];
  };

  it('keeps the 2025 QNQ1 figure when the QPV is re-registered with other communes, and lists the leases that name it, applied or not yet', async () => {
    await append(referentialStreamId('qpv', QPV), 'QpvRegistered', {
      code: QPV,
      name: 'Lille Sud',
      list: '2024',
      communes: ['59350'],
      validFrom: '2024-01-01',
      validTo: null,
    });
    await append(`cia-${MEL}`, 'QuartileThresholdPublished', {
      epciSiren: MEL,
      year: 2025,
      amountPerUc: 10_000,
      source: 'spec',
      correction: false,
    });
    await sign(lease(1, '2025-06-10', QPV, 20_000, 'ville-de-lille'));
    const corrected = await sign(lease(2, '2025-09-01', QPV, 5_000, null));
    const cancelled = await sign(lease(3, '2025-10-01', QPV, 30_000, null));
    await sign(lease(4, '2025-11-01', null, 5_000, 'ville-de-lille'));
    // L2 corrected out of the QPV, L3 cancelled: neither names it any more.
    await append(attributionStreamId('lmh', 'C2'), 'LeaseCorrected', {
      lease: lease(2, '2025-09-01', null, 5_000, null),
      reason: 'spec',
      correctsEventId: corrected,
    });
    await append(attributionStreamId('lmh', 'C3'), 'LeaseCancelled', {
      leaseId: 'L3',
      caseId: 'C3',
      bailleurId: 'lmh',
      reason: 'spec',
      cancelsEventId: cancelled,
    });
    const before = await catchUp();
    expect(await qnq1At(before)).toEqual([1, 1]);

    await append(referentialStreamId('qpv', QPV), 'QpvUpdated', {
      code: QPV,
      name: 'Lille Sud',
      list: '2024',
      communes: ['62041'],
      validFrom: '2026-01-01',
      validTo: null,
    });
    const after = await catchUp();
    expect(after).toBeGreaterThan(before);
    expect(await qnq1At(after)).toEqual([1, 1]);

    expect(await readLeasesNaming(db.pool, 'qpv', QPV)).toEqual([
      { leaseId: 'L1', bailleurId: 'lmh', leaseDate: '2025-06-10', communeInsee: '59350' },
    ]);
    expect((await readLeasesNaming(db.pool, 'epci', MEL)).map((l) => l.leaseId)).toEqual(['L1', 'L2', 'L4']);
    expect((await readLeasesNaming(db.pool, 'reservataire', 'ville-de-lille')).map((l) => l.leaseId)).toEqual(['L1', 'L4']);
    expect(await readLeasesNaming(db.pool, 'qpv', 'QN05902M')).toEqual([]);
    // A version from a day changes nothing before it: only the leases from that day on are read.
    expect((await readLeasesNaming(db.pool, 'epci', MEL, '2025-09-01')).map((l) => l.leaseId)).toEqual(['L2', 'L4']);
    expect(await readLeasesNaming(db.pool, 'qpv', QPV, '2026-01-01')).toEqual([]);

    // Lease events the read model has not applied yet are read from the log: L1 cancelled, L5 signed.
    const l1 = (await db.pool.query<{ event_id: string }>("SELECT event_id FROM events WHERE data->>'leaseId' = 'L1'")).rows[0]!;
    await append(attributionStreamId('lmh', 'C1'), 'LeaseCancelled', {
      leaseId: 'L1',
      caseId: 'C1',
      bailleurId: 'lmh',
      reason: 'spec',
      cancelsEventId: l1.event_id,
    });
    await sign(lease(5, '2025-12-01', QPV, 20_000, null));
    await untilVisible(db.pool);
    expect((await readLeasesNaming(db.pool, 'qpv', QPV)).map((l) => l.leaseId)).toEqual(['L5']);
    expect((await readLeasesNaming(db.pool, 'epci', MEL)).map((l) => l.leaseId)).toEqual(['L2', 'L4', 'L5']);
  });
});
