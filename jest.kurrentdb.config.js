/**
 * `npm run test:kurrentdb`: the event-store contract suite against a real KurrentDB server named
 * by KURRENTDB_URL (no server can run on the development machines; see the README). Same
 * transform as jest.config.js; no PostgreSQL or Kafka is started.
 */
import base from './jest.config.js';

const [unit] = base.projects;

export default {
  testTimeout: 60_000,
  // The client's gRPC channels can outlive a failed run (no server): end the process once the results are in.
  forceExit: true,
  projects: [{ ...unit, displayName: 'kurrentdb', testMatch: ['<rootDir>/libs/**/*.kurrentdb.spec.ts'] }],
};
