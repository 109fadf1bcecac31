import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { principalOf } from '../access/principal.request.js';

/**
 * One line per request once answered: method, the route pattern (`/v1/leases/:leaseId/…`, never
 * the path with its ids or the query), status, duration, and the caller's role. No body, no
 * header, no tenant: nothing that names a household or an organisation's resource.
 */
export function accessLog(logger: Logger) {
  return (request: Request, response: Response, next: NextFunction): void => {
    // Below `info` (LOG_LEVEL=warn) nothing is logged: no listener, no clock.
    if (!logger.isLevelEnabled('info')) {
      next();
      return;
    }
    const started = process.hrtime.bigint();
    response.on('finish', () => {
      const route = request.route?.path ? `${request.baseUrl}${String(request.route.path)}` : 'unmatched';
      logger.info(
        {
          method: request.method,
          route,
          status: response.statusCode,
          ms: Number((process.hrtime.bigint() - started) / 1000n) / 1000,
          role: principalOf(request)?.role ?? null,
        },
        'request',
      );
    });
    next();
  };
}
