import { PostgresEventStore } from '@vigie/event-store';
import { LeaseSummaryProjection, ProjectionRunner } from '@vigie/projections';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { leaseAppendBatches } from '../support/lease-events.js';
import { startProjectorProcess } from '../support/processes.js';

const TOTAL = 20_000;
const PROJECTOR_ENV = { PROJECTOR_BATCH_SIZE: '250' };

async function checkpoint(db: TestDatabase): Promise<number> {
  const { rows } = await db.pool.query<{ position: string }>("SELECT position FROM checkpoints WHERE name = 'lease_summary'");
  return Number(rows[0]?.position ?? 0);
}

async function waitUntil(condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function tableRows(db: TestDatabase, table: string) {
  const { rows } = await db.pool.query(
    `SELECT epci_siren, year, bailleur_id, reservataire_id, in_qpv, leases FROM ${table}
     ORDER BY epci_siren, year, bailleur_id, reservataire_id, in_qpv`,
  );
  return rows;
}

describe('Projector killed mid-batch (SIGKILL) and restarted', () => {
  let db: TestDatabase;
  let store: PostgresEventStore;

  beforeAll(async () => {
    db = await createTestDatabase();
    store = new PostgresEventStore(db.pool);
    for (const batch of leaseAppendBatches(0, TOTAL, 1_000)) await store.appendMany(batch);
  });

  afterAll(async () => {
    await store.close();
    await db.drop();
  });

  it('ends with the same read model as a rebuild from position 0', async () => {
    const killedAt: number[] = [];
    for (const threshold of [2_000, 7_000, 13_000]) {
      const projector = startProjectorProcess(db.url, PROJECTOR_ENV);
      await waitUntil(async () => (await checkpoint(db)) >= threshold || projector.child.exitCode !== null, 60_000);
      expect(projector.child.exitCode).toBeNull();
      await projector.kill();
      expect(projector.stderr()).toBe('');
      killedAt.push(await checkpoint(db));
    }
    // Each kill left the checkpoint part-way, on a batch boundary it had committed.
    expect(killedAt[0]).toBeGreaterThan(0);
    expect(killedAt.at(-1)).toBeLessThan(TOTAL);
    expect([...killedAt].sort((a, b) => a - b)).toEqual(killedAt);

    const projector = startProjectorProcess(db.url, PROJECTOR_ENV);
    // The projector also runs the alert monitor, which appends alert events: wait until it is all caught up.
    const head = async () => Number((await db.pool.query('SELECT max(global_position) AS head FROM events')).rows[0].head);
    await waitUntil(async () => (await checkpoint(db)) >= TOTAL && (await checkpoint(db)) === (await head()), 60_000);
    await new Promise((r) => setTimeout(r, 500));
    await waitUntil(async () => (await checkpoint(db)) === (await head()), 60_000);
    await projector.stop();
    const total = Number((await db.pool.query('SELECT count(*) AS n FROM events')).rows[0].n);

    const fresh = new LeaseSummaryProjection('lease_summary_check');
    const client = await db.pool.connect();
    await fresh.createTables(client);
    client.release();
    expect(await new ProjectionRunner(db.pool, fresh, { batchSize: 5_000 }).catchUp()).toBe(total);

    const live = await tableRows(db, 'lease_summary');
    const rebuilt = await tableRows(db, 'lease_summary_check');
    expect(live).toEqual(rebuilt);
    expect(live.reduce((sum, row) => sum + row.leases, 0)).toBe(TOTAL);
    expect(live.length).toBeGreaterThan(50);
  }, 180_000);
});
