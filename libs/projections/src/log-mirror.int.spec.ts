import { PostgresEventNotifier, PostgresEventStore, EVENTS_CHANNEL } from '@vigie/event-store';
import { createTestDatabase, type TestDatabase, untilVisible } from '../../../test/support/postgres.js';
import { leaseAppendBatches } from '../../../test/support/lease-events.js';
import { createProjectionRunners } from './registry.js';

/**
 * With the log outside the read models' database (EVENT_STORE=kurrentdb), the read side copies
 * it through the EventStore port. Here the log is a PostgreSQL store in another database, reached
 * only through the port, as a KurrentDB one would be.
 */
describe('Read models fed from a log reached through the port (log mirror)', () => {
  let log: TestDatabase;
  let reads: TestDatabase;
  let direct: TestDatabase;

  beforeEach(async () => {
    [log, reads, direct] = await Promise.all([createTestDatabase(), createTestDatabase(), createTestDatabase()]);
  });

  afterEach(async () => {
    await Promise.all([log.drop(), reads.drop(), direct.drop()]);
  });

  it('copies every event with its id and position, and the read models equal those fed from the log itself', async () => {
    const store = new PostgresEventStore(log.pool);
    const directStore = new PostgresEventStore(direct.pool);
    for (const batch of leaseAppendBatches(0, 300, 50)) {
      await store.appendMany(batch);
      await directStore.appendMany(batch);
    }
    await untilVisible(log.pool);
    await untilVisible(direct.pool);

    const notifier = new PostgresEventNotifier(reads.pool, EVENTS_CHANNEL);
    const mirrored = createProjectionRunners(reads.pool, { batchSize: 64, notifier, logStore: store });
    expect(mirrored[0]!.projection.name).toBe('log_mirror');
    for (const runner of mirrored) await runner.catchUp();
    // Applied twice (a crash after the copy, before the checkpoint): nothing is written twice.
    await reads.pool.query("UPDATE checkpoints SET position = 0 WHERE name = 'log_mirror'");
    expect(await mirrored[0]!.catchUp()).toBe(300);

    const events = 'SELECT global_position, event_id, stream_id, stream_version, data FROM events ORDER BY global_position';
    expect((await reads.pool.query(events)).rows).toEqual((await log.pool.query(events)).rows);

    for (const runner of createProjectionRunners(direct.pool, { batchSize: 64 })) await runner.catchUp();
    const summary = 'SELECT * FROM lease_summary ORDER BY 1, 2, 3, 4, 5';
    const facts = 'SELECT stream_id, event_id, epci_siren, year FROM lease_facts ORDER BY event_id';
    const expected = (await direct.pool.query(summary)).rows;
    expect(expected.length).toBeGreaterThan(10);
    expect((await reads.pool.query(summary)).rows).toEqual(expected);
    expect((await reads.pool.query(facts)).rows).toEqual((await direct.pool.query(facts)).rows);
    await notifier.close();
    await store.close();
    await directStore.close();
  });
});
