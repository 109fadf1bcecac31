/**
 * Which failures mean "the database cannot be reached right now" (the caller should retry
 * later: HTTP 503) and which mean "PostgreSQL refuses this value" (the request is at fault:
 * HTTP 400). Everything else stays an internal error.
 */

/** Node socket errors and SQLSTATEs of a server that is away, starting, stopping or full. */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  '57P01', // admin_shutdown: the server is stopping (pg_ctl stop -m fast)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: the server is starting up or shutting down
  '53300', // too_many_connections
]);

/** Messages of node-postgres for a connection that died or could not be opened in time. */
const UNAVAILABLE_MESSAGES =
  /Connection terminated|connection error and is not queryable|Client was closed and is not queryable|timeout exceeded when trying to connect|Connection terminated due to connection timeout/i;

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export function isDatabaseUnavailable(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const code = codeOf(error);
  // Class 08: connection exception.
  if (code && (UNAVAILABLE_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code))) return true;
  // net.connect to a name with several addresses fails with an AggregateError of each attempt.
  const inner = (error as { errors?: unknown }).errors;
  if (Array.isArray(inner) && inner.length > 0 && inner.every(isDatabaseUnavailable)) return true;
  const message = (error as { message?: unknown }).message;
  return typeof message === 'string' && UNAVAILABLE_MESSAGES.test(message);
}

/** SQLSTATE class 22 (data exception): a NUL character, an untranslatable one, a date out of range… */
export function isDataException(error: unknown): boolean {
  const code = codeOf(error);
  return code !== undefined && /^22[0-9A-Z]{3}$/.test(code);
}

/** SQLSTATE 23505 (unique_violation), from pg or wrapped by TypeORM (its QueryFailedError keeps the driver's error). */
export function isUniqueViolation(error: unknown): boolean {
  return codeOf(error) === '23505' || codeOf((error as { driverError?: unknown } | null)?.driverError) === '23505';
}

/**
 * A reporter for background loops (projections, relay, alert monitor): during an outage each
 * retry fails the same way, so unavailability is told once per `intervalMs` as one warning;
 * other failures are told every time.
 */
export function failureReporter(
  report: { warn(message: string): void; error(message: string): void },
  what: string,
  intervalMs = 5_000,
): (error: unknown) => void {
  let lastUnavailable = 0;
  return (error) => {
    const message = (error as Error)?.message || String((error as { code?: string })?.code ?? error);
    if (isDatabaseUnavailable(error)) {
      const now = Date.now();
      if (now - lastUnavailable < intervalMs) return;
      lastUnavailable = now;
      report.warn(`${what} waits for the database (${message}); retrying`);
      return;
    }
    report.error(`${what} failed: ${message}`);
  };
}
