import type { NextFunction, Request, Response } from 'express';
import { hasBody } from './body.js';
import { sendProblem } from './problem.js';

export interface RequestDeadlines {
  /** How long a request's body may take to arrive (bulk imports get longer). */
  readonly bodyMs: (request: Request) => number;
  /** How long the answer may take once the request is whole (HTTP_REQUEST_TIMEOUT_S). */
  readonly answerMs: number;
  /** The Retry-After of a 503 (DATABASE_RETRY_AFTER_S). */
  readonly retryAfterS: number;
  /** Told of each 503 (the filter logs an outage once every few seconds, this its own way). */
  readonly onAnswerDeadline?: () => void;
}

/**
 * Two deadlines per request, one timer at a time:
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
  return (request: Request, response: Response, next: NextFunction): void => {
    let timer: NodeJS.Timeout;
    const answerDeadline = () => {
      if (response.headersSent) return;
      deadlines.onAnswerDeadline?.();
      sendProblem(response, 'REQUEST_DEADLINE_EXCEEDED', { 'retry-after': String(deadlines.retryAfterS) });
    };
    if (request.complete || !hasBody(request)) {
      timer = setTimeout(answerDeadline, deadlines.answerMs).unref();
    } else {
      timer = setTimeout(() => {
        if (request.complete || response.headersSent) return;
        response.once('finish', () => request.socket.destroy());
        sendProblem(response, 'REQUEST_TIMEOUT', { connection: 'close' });
      }, deadlines.bodyMs(request)).unref();
      // Whole: from now on, the answer's deadline.
      request.once('end', () => {
        clearTimeout(timer);
        if (!response.writableEnded) timer = setTimeout(answerDeadline, deadlines.answerMs).unref();
      });
    }
    response.once('close', () => clearTimeout(timer));
    next();
  };
}
