import { Pool } from 'pg';
import { isDatabaseUnavailable } from './database-errors.js';

/** The pool of connections to Vigie's database, as the rest of the code names it (route files never import `pg`). */
export type DatabasePool = Pool;

export interface PoolOptions {
  /** Told (at most once per `CONNECTION_ERROR_REPORT_MS`) when a pooled connection is lost. */
  readonly onConnectionError?: (error: Error) => void;
  /**
   * Leave JIT compilation to PostgreSQL (its default) instead of turning it off: for a rebuild,
   * whose statements each copy thousands of events, compiling pays (compliance at 1 000 000
   * events: 82 990 ev/s with it, 68 771 without, the same hour).
   */
  readonly jit?: boolean;
}

const CONNECTION_ERROR_REPORT_MS = 5_000;

/**
 * Vigie's pool of connections to `connectionString`, at most `max`. Its sessions run with JIT
 * compilation off (unless `options.jit`): Vigie's statements are short (a freshness read, a batch of the log, an
 * EPCI-year's leases), and PostgreSQL compiles a statement whose estimated cost passes
 * `jit_above_cost` whatever it will actually read. The visible head's walk (a LIMIT of 100 000
 * events past a checkpoint that is at the head) was estimated at a third of the events table on a
 * table not yet analysed and compiled on every freshness read: 6–69 ms of compiling (p50 12 ms,
 * auto_explain, 1 000 000 events) to read no row at all.
 */
export function createPool(connectionString: string, max = 20, options: PoolOptions = {}): Pool {
  const pool = new Pool({
    connectionString,
    max,
    ...(options.jit ? {} : { options: '-c jit=off' }),
    // PGAPPNAME names a process in pg_stat_activity (e.g. `vigie-projector-2`) when several share a server.
    application_name: process.env.PGAPPNAME || 'vigie',
    // A server that does not answer (rather than refusing) must not hold requests for ever.
    connectionTimeoutMillis: 5_000,
    keepAlive: true,
  });
  let lastReport = 0;
  const report = (error: Error) => {
    const now = Date.now();
    if (now - lastReport < CONNECTION_ERROR_REPORT_MS) return;
    lastReport = now;
    options.onConnectionError?.(error);
  };
  // An idle client losing its connection: the pool drops it, the next query opens another.
  pool.on('error', report);
  // A checked-out client losing its connection emits 'error' too, and the pool listens only to
  // idle ones: without this listener a PostgreSQL restart mid-query exits the process. The query
  // in flight rejects on its own, and release() drops the broken client (it is no longer queryable).
  pool.on('connect', (client) => client.on('error', report));
  return pool;
}

export interface WaitForDatabaseOptions {
  /** Give up after this long (ms). */
  readonly timeoutMs: number;
  readonly log?: (message: string) => void;
  /** Where the database is, for the messages (no password). */
  readonly description?: string;
}

/**
 * Start-up waits for PostgreSQL (a server still starting, a container not yet up) with bounded
 * retries and growing delays; any other failure (bad password, unknown database) stops at once.
 */
export async function waitForDatabase(pool: Pool, options: WaitForDatabaseOptions): Promise<void> {
  const started = Date.now();
  const where = options.description ?? 'PostgreSQL';
  let delay = 250;
  for (let attempt = 1; ; attempt += 1) {
    try {
      await pool.query('SELECT 1');
      if (attempt > 1) options.log?.(`Database ${where} reachable after ${attempt} attempts`);
      return;
    } catch (error) {
      const elapsed = Date.now() - started;
      if (!isDatabaseUnavailable(error)) throw error;
      if (elapsed + delay > options.timeoutMs) {
        throw new Error(
          `Database ${where} not reachable after ${attempt} attempts over ${Math.round(elapsed / 1_000)} s ` +
            `(${(error as Error).message || (error as { code?: string }).code}); is PostgreSQL running and DATABASE_URL right?`,
        );
      }
      options.log?.(
        `Database ${where} not reachable yet (${(error as Error).message || (error as { code?: string }).code}); attempt ${attempt}, next in ${delay} ms`,
      );
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 2_000);
    }
  }
}

/**
 * Runs reads in one snapshot (a REPEATABLE READ, READ ONLY transaction): what they return is
 * the database as it stood at one instant, so a figure and the position it claims to be fresh to
 * cannot disagree (a projection writes its rows and its checkpoint in one transaction).
 */
export async function inOneSnapshot<T>(pool: Pool, reads: (client: Pick<Pool, 'query'>) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const result = await reads(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
