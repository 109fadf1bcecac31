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
