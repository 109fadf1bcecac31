import { createTestDatabase } from '../../../../test/support/postgres.js';
import { describeEventStoreContract } from '../testing/event-store.contract.js';
import { PostgresEventStore } from './postgres-event-store.js';

describeEventStoreContract('PostgreSQL', async () => {
  const db = await createTestDatabase();
  const store = new PostgresEventStore(db.pool, { pollIntervalMs: 50 });
  return {
    store,
    reopen: async () => new PostgresEventStore(db.pool, { pollIntervalMs: 50 }),
    async dispose() {
      await store.close();
      await db.drop();
    },
  };
});
