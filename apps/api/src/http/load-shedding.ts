import type { NextFunction, Request, Response } from 'express';
import { sendProblem } from './problem.js';

/** The probes, and the live stream of events (GET /v1/stream, answered for as long as the client listens). */
const UNCOUNTED = /^\/(health|v1\/stream)(\/|$)/;

/**
 * Past `maxInFlight` requests being handled, a new one is answered at once `503 SERVER_BUSY`
 * with Retry-After, before any work: an API asked more than it can do otherwise lets requests
 * queue for database connections until clients time out or Node drops their connections
 * (headersTimeout), and the queue starves the in-process projector of the event loop. Event
 * streams (held open for as long as the client listens) and the probes are not counted nor refused.
 */
export function loadShedding(maxInFlight: number, retryAfterS: number) {
  let inFlight = 0;
  return (request: Request, response: Response, next: NextFunction): void => {
    if (UNCOUNTED.test(request.path) || request.headers.accept?.includes('text/event-stream')) {
      next();
      return;
    }
    if (inFlight >= maxInFlight) {
      sendProblem(response, 'SERVER_BUSY', { 'retry-after': String(retryAfterS) });
      return;
    }
    inFlight += 1;
    let done = false;
    const release = () => {
      if (done) return;
      done = true;
      inFlight -= 1;
    };
    response.once('finish', release);
    response.once('close', release);
    next();
  };
}
