import { randomUUID } from 'node:crypto';
import { attributionStreamId } from '@vigie/domain';
import { leaseSignedData } from '@vigie/domain/testing/attribution.builders.js';
import { PostgresEventStore } from '@vigie/event-store';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/postgres.js';
import { ProjectionRunner } from '../projection-runner.js';
import { LeaseSummaryProjection } from './lease-summary.projection.js';
import { readLeaseSummary } from './lease-summary.query.js';

describe('Lease summary (real PostgreSQL): the leases in force, as cancellations and corrections leave them', () => {
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

  it('given two signed leases, one corrected to another réservataire and one cancelled, when projected in any batching, then one lease counts, on its corrected réservataire', async () => {
    const a = leaseSignedData({ leaseId: 'L-A', caseId: 'C-A', reservataireId: 'action-logement' });
    const b = leaseSignedData({ leaseId: 'L-B', caseId: 'C-B', reservataireId: null });
    const [signedA, signedB, corrected] = [randomUUID(), randomUUID(), randomUUID()];
    const append = (lease: typeof a, eventId: string, type: string, data: unknown) =>
      store.append(attributionStreamId(lease.bailleurId, lease.caseId), [{ eventId, type, data, metadata: { actor: 'spec' } }]);
    await append(a, signedA, 'LeaseSigned', a);
    await append(b, signedB, 'LeaseSigned', b);
    await append(a, corrected, 'LeaseCorrected', {
      lease: { ...a, reservataireId: 'ville-de-lille' },
      reason: 'réservataire rectifié',
      correctsEventId: signedA,
    });
    await append(b, randomUUID(), 'LeaseCancelled', {
      leaseId: 'L-B',
      caseId: 'C-B',
      bailleurId: b.bailleurId,
      reason: 'saisi en double',
      cancelsEventId: signedB,
    });
    for (const batchSize of [1, 2, 100]) {
      const table = `lease_summary_b${batchSize}`;
      const projection = new LeaseSummaryProjection(table);
      const client = await db.pool.connect();
      await projection.createTables(client);
      client.release();
      await new ProjectionRunner(db.pool, projection, { batchSize }).catchUp();
      const summary = await readLeaseSummary(db.pool, a.flat.epciSiren, 2026, table);
      expect({ batchSize, total: summary.total, byReservataire: summary.byReservataire }).toMatchObject({
        batchSize,
        total: 1,
        byReservataire: [{ reservataireId: 'ville-de-lille', leases: 1 }],
      });
    }
  });

  it('given a lease projected while the summary is being read, then the summary counts exactly the leases of the position its freshness states', async () => {
    const table = 'lease_summary_race';
    const projection = new LeaseSummaryProjection(table);
    const setup = await db.pool.connect();
    await projection.createTables(setup);
    setup.release();
    const runner = new ProjectionRunner(db.pool, projection, { batchSize: 100 });
    await runner.catchUp();
    const before = await readLeaseSummary(db.pool, '200093201', 2026, table);
    const raceLease = leaseSignedData({ leaseId: 'L-RACE', caseId: 'C-RACE' });
    let raced = false;
    // Once the checkpoint is read, another lease is recorded and projected before the rows are read.
    const racing = <T extends object>(target: T): T =>
      new Proxy(target, {
        get(object, property) {
          const value = Reflect.get(object, property) as unknown;
          if (property === 'query') {
            return async (...args: unknown[]) => {
              const result = await (value as (...a: unknown[]) => Promise<unknown>).apply(object, args);
              if (!raced && typeof args[0] === 'string' && args[0].includes('FROM checkpoints')) {
                raced = true;
                await store.append(attributionStreamId(raceLease.bailleurId, raceLease.caseId), [
                  { eventId: randomUUID(), type: 'LeaseSigned', data: raceLease, metadata: { actor: 'spec' } },
                ]);
                await runner.catchUp();
              }
              return result;
            };
          }
          if (property === 'connect') return async () => racing(await db.pool.connect());
          return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(object) : value;
        },
      });
    const during = await readLeaseSummary(racing(db.pool), '200093201', 2026, table);
    expect(raced).toBe(true);
    expect({ position: during.freshness.position, total: during.total }).toEqual({
      position: before.freshness.position,
      total: before.total,
    });
    const after = await readLeaseSummary(db.pool, '200093201', 2026, table);
    expect(after.total).toBe(before.total + 1);
    expect(after.freshness.position).toBeGreaterThan(before.freshness.position);
  });
});
