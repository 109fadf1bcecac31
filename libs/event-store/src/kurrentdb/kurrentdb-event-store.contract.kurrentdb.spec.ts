import { randomBytes } from 'node:crypto';
import { KurrentDBClient } from '@kurrent/kurrentdb-client';
import { describeEventStoreContract } from '../testing/event-store.contract.js';
import { KurrentDBEventStore } from './kurrentdb-event-store.js';

/**
 * The contract suite against a real KurrentDB (25.1 or later): `npm run test:kurrentdb` with
 * KURRENTDB_URL, e.g. `kurrentdb://127.0.0.1:2113?tls=false`. Each test writes under a stream
 * prefix of its own, so one server serves every run. Without KURRENTDB_URL the run fails: a
 * contract that was not checked must not look green.
 */
const url = process.env.KURRENTDB_URL;
if (!url) {
  throw new Error(
    'KURRENTDB_URL is not set: npm run test:kurrentdb needs a KurrentDB 25.1+ server (see the README, "KurrentDB"), e.g. KURRENTDB_URL=kurrentdb://127.0.0.1:2113?tls=false',
  );
}

function connect(prefix: string): KurrentDBEventStore {
  return new KurrentDBEventStore(KurrentDBClient.connectionString(url!), { streamPrefix: prefix, pollIntervalMs: 50 });
}

describeEventStoreContract('KurrentDB', async () => {
  const prefix = `contract_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const store = connect(prefix);
  return {
    store,
    reopen: async () => connect(prefix),
    dispose: () => store.close(),
  };
});
