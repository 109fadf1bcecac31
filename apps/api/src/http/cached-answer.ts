import type { Request, Response } from 'express';

/**
 * Sends a JSON answer already serialised (bytes kept with their ETag), as it is: no replacer, no
 * stringify, no content-type lookup per request. A matching If-None-Match gets 304 without the
 * bytes; HEAD gets the headers only.
 */
export function sendJsonBytes(request: Request, response: Response, body: Buffer, etag: string): void {
  response.setHeader('ETag', etag);
  // Express's own freshness test (If-None-Match against the ETag, Cache-Control: no-cache).
  if (request.headers['if-none-match'] !== undefined && request.fresh) {
    response.statusCode = 304;
    response.end();
    return;
  }
  sendJson(response, body, request.method === 'HEAD');
}

/**
 * A JSON answer already encoded, written as it is with the headers Express's type() and send()
 * would write, without their per-request work (a type look-up, an ETag hashed over the bytes).
 * `headersOnly`: for HEAD.
 */
export function sendJson(response: Response, body: Buffer, headersOnly = false): void {
  response.statusCode = 200;
  response.setHeader('Content-Type', 'application/json; charset=utf-8');
  response.setHeader('Content-Length', body.length);
  if (headersOnly) response.end();
  else response.end(body);
}
