import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { Logger } from 'pino';
import { principalOf } from '../access/principal.request.js';

/**
 * One line per request once answered (an `onRequest` hook): method, the route pattern
 * (`/v1/leases/:leaseId/…`, never the path with its ids or the query), status, duration, and the
 * caller's role. No body, no header, no tenant: nothing that names a household or an
 * organisation's resource.
 */
export function accessLog(logger: Logger) {
  return (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    // Below `info` (LOG_LEVEL=warn) nothing is logged: no listener, no clock.
    if (!logger.isLevelEnabled('info')) {
      done();
      return;
    }
    const started = process.hrtime.bigint();
    reply.raw.once('finish', () => {
      const route = request.is404 ? undefined : request.routeOptions.url;
      logger.info(
        {
          method: request.method,
          route: route ?? 'unmatched',
          status: reply.raw.statusCode,
          ms: Number((process.hrtime.bigint() - started) / 1000n) / 1000,
          role: principalOf(request)?.role ?? null,
        },
        'request',
      );
    });
    done();
  };
}
