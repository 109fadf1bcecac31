import fresh from 'fresh';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * Sends a JSON answer already serialised (bytes kept with their ETag), as it is: no replacer, no
 * stringify per request. A matching If-None-Match gets 304 without the bytes; HEAD gets the
 * headers only (Node writes no body for HEAD).
 */
export function sendJsonBytes(request: FastifyRequest, reply: FastifyReply, body: Buffer, etag: string): void {
  reply.header('ETag', etag);
  // The freshness test of HTTP caches (If-None-Match against the ETag, Cache-Control: no-cache).
  if (request.headers['if-none-match'] !== undefined && fresh(request.headers, { etag })) {
    reply.code(304).send();
    return;
  }
  sendJson(reply, body);
}

/** A JSON answer already encoded, sent as it is (200, `application/json; charset=utf-8`, its length). */
export function sendJson(reply: FastifyReply, body: Buffer): void {
  reply.code(200).header('Content-Type', 'application/json; charset=utf-8').send(body);
}
