import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { problemDocument, sendProblem } from './problem.js';

/** The probes, and the live stream of events (GET /v1/stream, answered for as long as the client listens). */
const UNCOUNTED = /^\/(health|v1\/stream)([/?]|$)/;

/**
 * While `saturated()` says the database connections have more work queued than they can serve
 * soon, a new request is answered at once `503 SERVER_BUSY` with Retry-After, before any work (an
 * `onRequest` hook): an API asked more than it can do otherwise lets requests queue for
 * connections until clients time out or Node drops their connections (headersTimeout), and the
 * queue starves the in-process projector of the event loop. Judged on the queue for connections
 * rather than on requests in flight, so that reads answered from memory (a cached compliance
 * figure) are never refused. Event streams and the probes are never refused.
 */
export function loadShedding(saturated: () => boolean, retryAfterS: number) {
  return (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    if (saturated() && !UNCOUNTED.test(request.url) && !request.headers.accept?.includes('text/event-stream')) {
      // Answered here: the hook does not call `done`, nothing else runs.
      sendProblem(reply, problemDocument('SERVER_BUSY'), { 'retry-after': String(retryAfterS) });
      return;
    }
    done();
  };
}
