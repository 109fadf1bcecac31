// A process that owns an embedded PostgreSQL, as `npm start` does: starts it on the folder and
// port given, prints `ready`, then waits to be killed.
import { startEmbeddedPostgres } from '../../libs/postgres/src/embedded-postgres.ts';

const [dataDir, port] = process.argv.slice(2);
await startEmbeddedPostgres({ dataDir: dataDir!, port: Number(port) });
process.stdout.write('ready\n');
setInterval(() => undefined, 60_000);
