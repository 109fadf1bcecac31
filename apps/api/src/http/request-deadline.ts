import type { NextFunction, Request, Response } from 'express';
import { errorEntry } from './error-table.js';

/**
 * A request whose body has not fully arrived by its deadline is answered `408 REQUEST_TIMEOUT`
 * and its connection closed: a client sending a few bytes a minute no longer holds a socket (and
 * a parser) for the 300 s of Node's default. `deadlineMs(request)` lets bulk imports take longer.
 */
export function requestDeadline(deadlineMs: (request: Request) => number) {
  return (request: Request, response: Response, next: NextFunction): void => {
    if (request.complete) {
      next();
      return;
    }
    const timer = setTimeout(() => {
      if (request.complete || response.headersSent) return;
      const [status, title] = errorEntry('REQUEST_TIMEOUT');
      response.once('finish', () => request.socket.destroy());
      response
        .status(status)
        .set('connection', 'close')
        .type('application/problem+json')
        .send(JSON.stringify({ type: 'https://vigie.fr/problems/request-timeout', status, code: 'REQUEST_TIMEOUT', title }));
    }, deadlineMs(request));
    timer.unref();
    const clear = () => clearTimeout(timer);
    request.once('end', clear);
    response.once('finish', clear);
    response.once('close', clear);
    next();
  };
}
