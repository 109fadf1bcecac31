import type { NextFunction, Request, RequestHandler, Response } from 'express';

/**
 * Several middlewares mounted as one: each passes to the next by its own `next()`, an error goes
 * straight to Express. The router pays its per-layer cost (matching, promise check) once, not
 * once per middleware, on every request.
 */
export function series(...handlers: readonly RequestHandler[]): RequestHandler {
  return (request: Request, response: Response, next: NextFunction): void => {
    let index = 0;
    const step = (error?: unknown): void => {
      if (error !== undefined && error !== null) {
        next(error);
        return;
      }
      const handler = handlers[index++];
      if (!handler) {
        next();
        return;
      }
      try {
        void handler(request, response, step);
      } catch (thrown) {
        next(thrown);
      }
    };
    step();
  };
}

/**
 * Express 5 parses the query string again at every read of `request.query` (a getter): a route
 * that reads its query, then asks whether a CSV or a workbook is wanted, parsed it three times.
 * Read once here, it stays as parsed (the same object for every later read).
 */
export function queryParsedOnce(request: Request, _response: Response, next: NextFunction): void {
  Object.defineProperty(request, 'query', { value: request.query, writable: true, enumerable: true, configurable: true });
  next();
}
