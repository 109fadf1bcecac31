import { SetMetadata } from '@nestjs/common';
import bodyParser from 'body-parser';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { compositeKey } from '@vigie/domain';
import { type ProblemError, problemOf } from './problem.js';

/**
 * Request bodies are read only on the routes that declare one (`@JsonBody()`, `@TextBody()`),
 * only once the caller is authenticated and allowed (the AccessGuard reads it, after the key and
 * the role, before the ownership checks that look into it), and only up to the route's limit.
 * Everywhere else a body is never read: the answer closes the connection instead of draining it.
 */
export interface BodyRule {
  /** `bytes`: the body as a Buffer, undecoded (a file whose encoding the route detects itself). */
  readonly kind: 'json' | 'text' | 'bytes';
  /** Largest body accepted, in bytes; a larger one is refused 413 PAYLOAD_TOO_LARGE. */
  readonly limit: number;
  /** Media types accepted; another one is refused 415 UNSUPPORTED_MEDIA_TYPE. */
  readonly types: readonly string[];
  /** French detail of that 415: what to send instead. */
  readonly unsupported: string;
}

export const BODY_RULE = 'vigie:body-rule';
export const KiB = 1024;
export const MiB = 1024 * KiB;

/** The route takes a JSON body of at most `limit` bytes (64 KiB unless said). */
export const JsonBody = (limit = 64 * KiB) =>
  SetMetadata(BODY_RULE, {
    kind: 'json',
    limit,
    types: ['application/json', 'application/*+json'],
    unsupported: 'Le corps de la demande doit être envoyé en application/json.',
  } satisfies BodyRule);

/** The route takes a text body (a file) of one of these media types, of at most `limit` bytes. */
export const TextBody = (rule: Omit<BodyRule, 'kind'>) => SetMetadata(BODY_RULE, { kind: 'text', ...rule } satisfies BodyRule);

/** The route takes a file as bytes (its encoding detected by the route), of one of these media types, of at most `limit` bytes. */
export const FileBody = (rule: Omit<BodyRule, 'kind'>) => SetMetadata(BODY_RULE, { kind: 'bytes', ...rule } satisfies BodyRule);

/** Whether the request carries a body (chunked, or a non-zero Content-Length). */
function hasBody(request: Request): boolean {
  return request.headers['transfer-encoding'] !== undefined || Number(request.headers['content-length'] ?? 0) > 0;
}

/**
 * Node answers `Expect: 100-continue` itself, before any check, inviting the client to send its
 * body; with this, the request goes through authentication first and `readBody` invites it.
 */
export function deferContinueUntilBodyRead(server: Server): void {
  server.on('checkContinue', (request: IncomingMessage, response: ServerResponse) => server.emit('request', request, response));
}

/**
 * First of all middleware: the answer to a request with a body closes the connection, unless the
 * body was read (`readBody` lifts it). Node would otherwise read and discard an unread body to
 * reuse the connection: a body sent without a key, or to a route that takes none, is not read at all.
 */
export function closeConnectionUntilBodyRead(request: Request, response: Response, next: NextFunction): void {
  if (hasBody(request)) response.setHeader('Connection', 'close');
  next();
}

const PARSERS = new Map<string, RequestHandler>();

function parserFor(rule: BodyRule): RequestHandler {
  const key = compositeKey('body-parser', rule.kind, rule.limit, ...rule.types);
  let parser = PARSERS.get(key);
  if (!parser) {
    const options = { limit: rule.limit, type: [...rule.types] };
    parser = (
      rule.kind === 'json' ? bodyParser.json(options) : rule.kind === 'bytes' ? bodyParser.raw(options) : bodyParser.text(options)
    ) as RequestHandler;
    PARSERS.set(key, parser);
  }
  return parser;
}

/** A 413 that says the limit and, for a file, how to get under it. */
function tooLarge(rule: BodyRule): ProblemError {
  const limit = `${Math.floor(rule.limit / MiB) || (rule.limit / KiB).toFixed(0)} ${rule.limit >= MiB ? 'Mo' : 'Ko'}`;
  return problemOf('PAYLOAD_TOO_LARGE', {
    detail:
      rule.kind === 'json'
        ? `Limite : ${limit}.`
        : `Limite : ${limit} par fichier ; découpez le fichier en plusieurs (chacun avec sa ligne d’en-tête) et envoyez-les l’un après l’autre : une ligne déjà importée ne l’est pas deux fois.`,
  });
}

/** The problem of a body-parser error (its `type`), never a 500: every one of them is about the request. */
function bodyProblem(error: { type?: string; status?: number }, rule: BodyRule): ProblemError {
  switch (error.type) {
    case 'entity.too.large':
      return tooLarge(rule);
    case 'entity.parse.failed':
      return problemOf('MALFORMED_JSON');
    case 'charset.unsupported':
    case 'encoding.unsupported':
      return problemOf('UNSUPPORTED_MEDIA_TYPE', { detail: rule.unsupported });
    default:
      // Aborted, or shorter or longer than its Content-Length.
      return problemOf('VALIDATION_FAILED', { detail: 'Le corps de la demande est incomplet ou mal délimité.' });
  }
}

/**
 * Reads and parses the body of a request whose route declares one; nothing without a rule or a
 * body. A declared length over the limit is refused before reading a byte.
 */
export async function readBody(request: Request, response: Response, rule: BodyRule | undefined): Promise<void> {
  if (!rule || !hasBody(request)) return;
  if (Number(request.headers['content-length'] ?? 0) > rule.limit) throw tooLarge(rule);
  // A client that waits for leave to send its body (Expect: 100-continue) gets it only now.
  if (/100-continue/i.test(request.headers.expect ?? '')) response.writeContinue();
  const parser = parserFor(rule);
  await new Promise<void>((resolve, reject) => {
    parser(request, response, (error?: unknown) => (error ? reject(bodyProblem(error as { type?: string }, rule)) : resolve()));
  });
  // Not read: a media type the route does not take.
  if (request.body === undefined) throw problemOf('UNSUPPORTED_MEDIA_TYPE', { detail: rule.unsupported });
  // Read whole: the connection can be reused.
  response.removeHeader('Connection');
}
