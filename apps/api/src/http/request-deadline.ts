import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { hasBody } from './body.js';
import { problemDocument, sendProblem } from './problem.js';

export interface RequestDeadlines {
  /** How long a request's body may take to arrive (bulk imports get longer). */
  readonly bodyMs: (request: FastifyRequest) => number;
  /** How long the answer may take once the request is whole (HTTP_REQUEST_TIMEOUT_S). */
  readonly answerMs: number;
  /** The Retry-After of a 503 (DATABASE_RETRY_AFTER_S). */
  readonly retryAfterS: number;
  /** Told of each 503 (the filter logs an outage once every few seconds, this its own way). */
  readonly onAnswerDeadline?: () => void;
}

/**
 * Two deadlines per request, one timer at a time (an `onRequest` hook):
 * - a body that has not fully arrived by `bodyMs` is answered `408 REQUEST_TIMEOUT` and its
 *   connection closed: a client sending a few bytes a minute no longer holds a socket (and a
 *   parser) for the 300 s of Node's default;
 * - a request whole (at once without a body) but not answered within `answerMs` is answered
 *   `503 REQUEST_DEADLINE_EXCEEDED` with Retry-After, instead of a client left waiting on a
 *   blocked database. The work may still finish: a write sent again with the same eventId then
 *   answers 200. An answer already under way (a server-sent event stream) is left alone.
 * A plain timer rather than an interceptor: no Observable chain per request.
 */
export function requestDeadline(deadlines: RequestDeadlines) {
  return (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    const response = reply.raw;
    let timer: NodeJS.Timeout;
    const answerDeadline = () => {
      if (response.headersSent || reply.sent) return;
      deadlines.onAnswerDeadline?.();
      sendProblem(reply, problemDocument('REQUEST_DEADLINE_EXCEEDED'), { 'retry-after': String(deadlines.retryAfterS) });
    };
    if (request.raw.complete || !hasBody(request)) {
      timer = setTimeout(answerDeadline, deadlines.answerMs).unref();
    } else {
      timer = setTimeout(() => {
        if (request.raw.complete || response.headersSent || reply.sent) return;
        response.once('finish', () => request.raw.socket.destroy());
        sendProblem(reply, problemDocument('REQUEST_TIMEOUT'), { connection: 'close' });
      }, deadlines.bodyMs(request)).unref();
      // Whole: from now on, the answer's deadline.
      request.raw.once('end', () => {
        clearTimeout(timer);
        if (!response.writableEnded) timer = setTimeout(answerDeadline, deadlines.answerMs).unref();
      });
    }
    response.once('close', () => clearTimeout(timer));
    done();
  };
}
