import { PostgresEventStore } from '@vigie/event-store';
import { leaseAppendBatches } from '../../../test/support/lease-events.js';
import { appendInFlight, createTestDatabase, type TestDatabase } from '../../../test/support/postgres.js';
import { ComplianceProjection } from './compliance/compliance.projection.js';
import { LeaseSummaryProjection } from './lease-summary/lease-summary.projection.js';
import { rebuildProjection } from './rebuild.js';

describe('Rebuild of a projection (real PostgreSQL)', () => {
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

  const rebuilds = [
    {
      name: 'lease_summary (every event read by the process)',
      fresh: () => new LeaseSummaryProjection('lease_summary_rebuild'),
      live: () => new LeaseSummaryProjection(),
      leases: 'SELECT sum(leases) AS n FROM lease_summary',
    },
    {
      name: 'compliance (leases applied server-side, eventsOf)',
      fresh: () => new ComplianceProjection('_rebuild'),
      live: () => new ComplianceProjection(),
      leases: 'SELECT count(*) AS n FROM lease_facts WHERE valid_to IS NULL',
    },
  ];

  it.each(rebuilds)(
    'given events held back by an append in flight below them, when $name is rebuilt, then it waits for them instead of swapping in tables behind the log',
    async ({ fresh, live, leases }) => {
      await db.pool.query('TRUNCATE events, streams, checkpoints RESTART IDENTITY');
      const [first, second] = leaseAppendBatches(0, 200, 100);
      await store.appendMany(first!);
      // An append that took position 101 and has not ended: every event committed after it is hidden from readers until it ends.
      const inFlight = await appendInFlight(db.pool);
      await store.appendMany(second!);

      let finished = false;
      const rebuilding = rebuildProjection(db.pool, { fresh: fresh(), live: live(), batchSize: 50 }).finally(
        () => (finished = true),
      );
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(finished).toBe(false);

      await inFlight.end();
      const result = await rebuilding;
      // 200 events, past the hole the append left at 101.
      expect(result).toEqual({ applied: 200, position: 201 });
      const { rows } = await db.pool.query<{ n: string }>(leases);
      expect(Number(rows[0]!.n)).toBe(200);
    },
  );
});
