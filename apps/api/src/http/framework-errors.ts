import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorCode } from './error-table.js';
import { type Problem, problemDocument, sendProblem } from './problem.js';

/** The code of each error Fastify raises itself, before any route or Nest filter sees the request. */
const FASTIFY_CODES: Readonly<Record<string, ErrorCode>> = {
  FST_ERR_MAX_PARAM_LENGTH: 'URI_TOO_LONG',
  FST_ERR_BAD_URL: 'MALFORMED_URL',
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'MALFORMED_REQUEST',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'MALFORMED_JSON',
  FST_ERR_CTP_INVALID_JSON_BODY: 'MALFORMED_JSON',
};

/**
 * The code of an HTTP status below 500 answered without a code of its own (by Fastify, or by an
 * HttpException of Nest): `otherwise` for a status with no code of its own.
 */
export function codeOfStatus(status: number, otherwise: ErrorCode): ErrorCode {
  switch (status) {
    case 404:
      return 'NOT_FOUND';
    case 405:
      return 'METHOD_NOT_ALLOWED';
    case 408:
      return 'REQUEST_TIMEOUT';
    case 413:
      return 'PAYLOAD_TOO_LARGE';
    case 414:
      return 'URI_TOO_LONG';
    case 415:
      return 'UNSUPPORTED_MEDIA_TYPE';
    case 431:
      return 'HEADERS_TOO_LARGE';
    default:
      return otherwise;
  }
}

/**
 * The problem document of an error Fastify (or Node's HTTP parser) raised itself: a stable code
 * and the French title of the error table. Fastify's own message is never kept: it quotes the
 * request's path, which may hold personal data (a household number in an id).
 */
export function frameworkProblem(error: { code?: unknown; statusCode?: unknown }): Problem {
  const known = typeof error.code === 'string' ? FASTIFY_CODES[error.code] : undefined;
  if (known) return problemDocument(known);
  const status = typeof error.statusCode === 'number' ? error.statusCode : 500;
  return status >= 400 && status < 500
    ? problemDocument(codeOfStatus(status, 'MALFORMED_REQUEST'))
    : problemDocument('INTERNAL_ERROR');
}

/** Fastify's `frameworkErrors` option: a bad URL or a parameter over `maxParamLength`, answered before routing. */
export function answerFrameworkError(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  sendProblem(reply, frameworkProblem(error));
}

/**
 * Fastify's `clientErrorHandler` option: a request Node's HTTP parser refuses (headers too large
 * or too many, a malformed request line, a client timeout) is answered on the socket itself, as
 * problem+json, then the connection is closed (as Node does).
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const code: ErrorCode =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? 'REQUEST_TIMEOUT'
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? 'HEADERS_TOO_LARGE'
        : 'MALFORMED_REQUEST';
  const problem = problemDocument(code);
  const body = Buffer.from(JSON.stringify(problem));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${problem.status} ${code}\r\nConnection: close\r\nContent-Type: application/problem+json; charset=utf-8\r\nContent-Length: ${body.length}\r\n\r\n`,
    );
    socket.write(body);
  }
  socket.destroy(error);
}
