import { createTestDatabase } from '../../../../test/support/postgres.js';
import { describeLogCopyContract } from '../testing/log-copy.contract.js';
import { PostgresEventStore } from './postgres-event-store.js';

describeLogCopyContract('PostgreSQL', async () => {
  const db = await createTestDatabase();
  const store = new PostgresEventStore(db.pool, { pollIntervalMs: 50 });
  return {
    store,
    async dispose() {
      await store.close();
      await db.drop();
    },
  };
});
