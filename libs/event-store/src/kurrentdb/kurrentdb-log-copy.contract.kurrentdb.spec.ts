import { randomBytes } from 'node:crypto';
import { KurrentDBClient } from '@kurrent/kurrentdb-client';
import { describeLogCopyContract } from '../testing/log-copy.contract.js';
import { KurrentDBEventStore } from './kurrentdb-event-store.js';

/**
 * The copy tool's contract against a real KurrentDB (25.1 or later), KurrentDB to KurrentDB under
 * two stream prefixes: `npm run test:kurrentdb` with KURRENTDB_URL. The recording times kept are
 * the source's (`vigie.recordedAt`), not the copy's. Without KURRENTDB_URL the run fails.
 */
const url = process.env.KURRENTDB_URL;
if (!url) {
  throw new Error(
    'KURRENTDB_URL is not set: npm run test:kurrentdb needs a KurrentDB 25.1+ server (see the README, "KurrentDB"), e.g. KURRENTDB_URL=kurrentdb://127.0.0.1:2113?tls=false',
  );
}

describeLogCopyContract('KurrentDB', async () => {
  const prefix = `copy_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const store = new KurrentDBEventStore(KurrentDBClient.connectionString(url), { streamPrefix: prefix, pollIntervalMs: 50 });
  return { store, dispose: () => store.close() };
});
