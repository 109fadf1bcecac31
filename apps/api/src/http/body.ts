import { SetMetadata } from '@nestjs/common';
import bodyParser from 'body-parser';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import typeis from 'type-is';
import { compositeKey } from '@vigie/domain';
import { type ProblemError, problemOf } from './problem.js';
import { forgetUpload, newUploadPath } from './upload-files.js';
import { displayKey } from './validation.js';

/**
 * Request bodies are read only on the routes that declare one (`@JsonBody()`, `@TextBody()`),
 * only once the caller is authenticated and allowed (the AccessGuard reads it, after the key and
 * the role, before the ownership checks that look into it), and only up to the route's limit.
 * Everywhere else a body is never read: the answer closes the connection instead of draining it.
 */
export interface BodyRule {
  /**
   * `file`: the body streamed to a temporary file as it arrives, never held in memory (an
   * `UploadedFile`: a file far larger than memory, whose encoding the route detects itself).
   */
  readonly kind: 'json' | 'text' | 'file';
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
export const GiB = 1024 * MiB;

/**
 * A request body received as a file on disk (`@FileBody()`), in the system's temporary directory
 * (TMPDIR). It is deleted when the answer is sent, unless its route `keep()`s it: then the route
 * owns it and deletes it (`discard()`) once done.
 */
export interface UploadedFile {
  readonly path: string;
  readonly size: number;
  /** Its first bytes (up to 4 KiB): enough to tell a ZIP container from text. */
  readonly head: Buffer;
  /** Whether it holds nothing but spaces and line breaks. */
  readonly blank: boolean;
  keep(): void;
  discard(): Promise<void>;
}
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

/**
 * The route takes a file (an `UploadedFile`, streamed to disk, its encoding detected by the route)
 * of one of these media types, of at most `limit` bytes.
 */
export const FileBody = (rule: Omit<BodyRule, 'kind'>) => SetMetadata(BODY_RULE, { kind: 'file', ...rule } satisfies BodyRule);

/** Whether the request carries a body (chunked, or a non-zero Content-Length). */
export function hasBody(request: { readonly headers: IncomingHttpHeaders }): boolean {
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
 * Whether the request's media type is one of `types` (`application/*+json` patterns included).
 * False without a body.
 */
export function isMediaType(request: FastifyRequest, types: readonly string[]): boolean {
  return Boolean(typeis(request.raw, [...types]));
}

/**
 * First of all request hooks: the answer to a request with a body closes the connection, unless the
 * body was read (`readBody` lifts it). Node would otherwise read and discard an unread body to
 * reuse the connection: a body sent without a key, or to a route that takes none, is not read at all.
 * Set on the Node response, under whatever Fastify writes, so that `readBody` can lift it.
 */
export function closeConnectionUntilBodyRead(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
  if (hasBody(request)) reply.raw.setHeader('Connection', 'close');
  done();
}

/** A body-parser middleware, run on Node's own request and response. */
type NodeParser = (request: IncomingMessage, response: ServerResponse, next: (error?: unknown) => void) => void;

const PARSERS = new Map<string, NodeParser>();

function parserFor(rule: BodyRule): NodeParser {
  const key = compositeKey('body-parser', rule.kind, rule.limit, ...rule.types);
  let parser = PARSERS.get(key);
  if (!parser) {
    const options = { limit: rule.limit, type: [...rule.types] };
    // Any JSON value is parsed (strict: false): `null` or `42` is valid JSON, which the route's schema
    // then refuses for not being the object it expects, rather than being called malformed.
    parser = (rule.kind === 'json' ? bodyParser.json({ ...options, strict: false }) : bodyParser.text(options)) as NodeParser;
    PARSERS.set(key, parser);
  }
  return parser;
}

/** A 413 that says the limit and, for a file, how to get under it. */
function tooLarge(rule: BodyRule): ProblemError {
  const limit =
    rule.limit >= GiB
      ? `${+(rule.limit / GiB).toFixed(1)} Go`
      : `${Math.floor(rule.limit / MiB) || (rule.limit / KiB).toFixed(0)} ${rule.limit >= MiB ? 'Mo' : 'Ko'}`;
  return problemOf('PAYLOAD_TOO_LARGE', {
    detail:
      rule.kind === 'json'
        ? `Limite : ${limit}.`
        : `Limite : ${limit} par fichier ; découpez le fichier en plusieurs (chacun avec sa ligne d’en-tête) et envoyez-les l’un après l’autre : une ligne déjà importée ne l’est pas deux fois.`,
  });
}

/**
 * The problem of a body-parser error (its `type`), never a 500: every one of them is about the
 * request. A charset or a compression it cannot read is a 415 UNSUPPORTED_MEDIA_TYPE whose detail
 * names it and says what to send instead (UTF-8; no compression, or gzip, deflate, br).
 */
function bodyProblem(
  error: { type?: string; status?: number; charset?: string; encoding?: string },
  rule: BodyRule,
): ProblemError {
  switch (error.type) {
    case 'entity.too.large':
      return tooLarge(rule);
    case 'entity.parse.failed':
      return problemOf('MALFORMED_JSON');
    case 'charset.unsupported':
      return problemOf('UNSUPPORTED_MEDIA_TYPE', {
        detail: `Jeu de caractères « ${displayKey(error.charset ?? '')} » non accepté : encodez le corps en UTF-8 et déclarez-le « Content-Type: ${rule.types[0]}; charset=utf-8 » (ou sans charset).`,
      });
    case 'encoding.unsupported':
      return problemOf('UNSUPPORTED_MEDIA_TYPE', {
        detail: `Compression « ${displayKey(error.encoding ?? '')} » (Content-Encoding) non acceptée : envoyez le corps sans compression, ou compressé en gzip, deflate ou br.`,
      });
    default:
      // Aborted, or shorter or longer than its Content-Length.
      return problemOf('VALIDATION_FAILED', { detail: 'Le corps de la demande est incomplet ou mal délimité.' });
  }
}

/**
 * Reads and parses the body of a request whose route declares one; nothing without a rule or a
 * body. A declared length over the limit is refused before reading a byte.
 */
export async function readBody(request: FastifyRequest, reply: FastifyReply, rule: BodyRule | undefined): Promise<void> {
  if (!rule || !hasBody(request)) return;
  if (Number(request.headers['content-length'] ?? 0) > rule.limit) throw tooLarge(rule);
  const response = reply.raw;
  // A client that waits for leave to send its body (Expect: 100-continue) gets it only now.
  if (/100-continue/i.test(request.headers.expect ?? '')) response.writeContinue();
  if (rule.kind === 'file') {
    if (!isMediaType(request, rule.types)) throw problemOf('UNSUPPORTED_MEDIA_TYPE', { detail: rule.unsupported });
    request.body = await receiveFile(request.raw, response, rule);
    response.removeHeader('Connection');
    return;
  }
  // Fastify's own parsers are off (see `acceptBodiesUnread`): the body is still unread in Node's request.
  const raw = request.raw as IncomingMessage & { body?: unknown };
  const parser = parserFor(rule);
  await new Promise<void>((resolve, reject) => {
    parser(raw, response, (error?: unknown) => (error ? reject(bodyProblem(error as { type?: string }, rule)) : resolve()));
  });
  // Not read: a media type the route does not take.
  if (raw.body === undefined) throw problemOf('UNSUPPORTED_MEDIA_TYPE', { detail: rule.unsupported });
  request.body = raw.body;
  // Read whole: the connection can be reused.
  response.removeHeader('Connection');
}

/**
 * Fastify reads and parses a body before the route's guard runs; here no body is read by Fastify
 * (every media type is taken, none is read), so that `readBody` reads it after authentication, as
 * its route declares it. A media type a route does not take is refused there (415).
 */
export function acceptBodiesUnread(fastify: FastifyInstance): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', (_request, _payload, done) => done(null));
}

/**
 * Streams a request body to a temporary file, counting its bytes as they pass: past the rule's
 * limit (a body sent without a length, or longer than it said) the upload stops and is refused
 * 413 with the limit; the partial file is deleted. Memory stays the size of a chunk.
 */
async function receiveFile(request: IncomingMessage, response: ServerResponse, rule: BodyRule): Promise<UploadedFile> {
  const path = newUploadPath();
  let size = 0;
  let blank = true;
  const heads: Buffer[] = [];
  let headLength = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      size += chunk.length;
      if (size > rule.limit) return callback(tooLarge(rule));
      if (headLength < 4 * KiB) {
        heads.push(chunk.subarray(0, 4 * KiB - headLength));
        headLength += Math.min(chunk.length, 4 * KiB - headLength);
      }
      if (blank && !/^[\s\uFEFF]*$/.test(chunk.toString('latin1').replace(/\xEF\xBB\xBF/g, ''))) blank = false;
      callback(null, chunk);
    },
  });
  let kept = false;
  const discard = async () => {
    await rm(path, { force: true });
    forgetUpload(path);
  };
  try {
    await pipeline(request, counter, createWriteStream(path, { flags: 'wx', mode: 0o600 }));
  } catch (error) {
    await discard();
    if ((error as ProblemError).status === 413) throw error;
    throw bodyProblem({ type: 'request.aborted' }, rule);
  }
  response.once('close', () => void (kept ? undefined : discard()));
  return {
    path,
    size,
    head: Buffer.concat(heads),
    blank,
    keep: () => {
      kept = true;
    },
    discard,
  };
}
