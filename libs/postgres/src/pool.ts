import { Pool } from 'pg';

/** The pool of connections to Vigie's database, as the rest of the code names it (route files never import `pg`). */
export type DatabasePool = Pool;

export function createPool(connectionString: string, max = 20): Pool {
  const pool = new Pool({ connectionString, max, application_name: 'vigie' });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  return pool;
}
