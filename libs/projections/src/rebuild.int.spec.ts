import { Client } from 'pg';
import { PostgresEventStore } from '@vigie/event-store';
import { leaseAppendBatches } from '../../../test/support/lease-events.js';
import { createTestDatabase, type TestDatabase } from '../../../test/support/postgres.js';
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

  it('given events held back by a transaction open elsewhere, when rebuilt, then it waits for them instead of swapping in tables behind the log', async () => {
    const [first, second] = leaseAppendBatches(0, 200, 100);
    await store.appendMany(first!);
    // A writer transaction left open: every event committed after it is hidden from readers until it ends.
    const elsewhere = new Client({ connectionString: db.url });
    await elsewhere.connect();
    await elsewhere.query('BEGIN');
    await elsewhere.query('SELECT pg_current_xact_id()');
    await store.appendMany(second!);

    let finished = false;
    const rebuilding = rebuildProjection(db.pool, {
      fresh: new LeaseSummaryProjection('lease_summary_rebuild'),
      live: new LeaseSummaryProjection(),
      batchSize: 50,
    }).finally(() => (finished = true));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(finished).toBe(false);

    await elsewhere.query('COMMIT');
    await elsewhere.end();
    const result = await rebuilding;
    expect(result.applied).toBe(200);
    const { rows } = await db.pool.query<{ n: string }>('SELECT sum(leases) AS n FROM lease_summary');
    expect(Number(rows[0]!.n)).toBe(200);
  });
});
