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
});
