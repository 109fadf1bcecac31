import type { FastifyReply } from 'fastify';
import { type ErrorCode, errorEntry } from './error-table.js';
/** RFC 9457 problem details, as every error of the API is answered. */
export interface FieldProblem {
  /** Dotted path of the field in the request body (`flat.communeInsee`), or the parameter name. */
  readonly path: string;
  readonly code: string;
  /** French message for the person who sent the data. */
  readonly message: string;
}

export interface Problem {
  readonly type: string;
  readonly status: number;
  /** Stable machine-readable code. */
  readonly code: string;
  /** French title. */
  readonly title: string;
  readonly detail?: string;
  readonly errors?: readonly FieldProblem[];
  readonly [extension: string]: unknown;
}

/**
 * The problem document of a code (RFC 9457): its type URI, the status and French title of the
 * error table, and any extensions (detail, errors, the id it is about).
 */
export function problemDocument(code: ErrorCode, extensions: Partial<Problem> = {}): Problem {
  const [status, title] = errorEntry(code);
  return { type: `https://vigie.fr/problems/${code.toLowerCase().replace(/_/g, '-')}`, status, code, title, ...extensions };
}

/**
 * Answers a problem document as `application/problem+json`, with the given headers: from a request
 * hook, before any controller, and from the ProblemFilter for the rest.
 */
export function sendProblem(reply: FastifyReply, problem: Problem, headers: Record<string, string> = {}): void {
  reply.code(problem.status).headers(headers).type('application/problem+json; charset=utf-8').send(JSON.stringify(problem));
}

/** Thrown by the HTTP layer itself (validation, unknown resource…); the filter renders it. */
export class ProblemError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    readonly title: string,
    readonly extensions: Omit<Partial<Problem>, 'status' | 'code' | 'title'> = {},
  ) {
    super(code);
    this.name = 'ProblemError';
  }
}

/** The problem of a code, with the status and French title of the error table (and, say, the id it is about). */
export function problemOf(code: ErrorCode, extensions: Omit<Partial<Problem>, 'status' | 'code' | 'title'> = {}): ProblemError {
  const [status, title] = errorEntry(code);
  return new ProblemError(status, code, title, extensions);
}

/** The 404 of a resource, the same whether it does not exist or belongs to another organisation. */
export const notFound = problemOf;

/** 400 VALIDATION_FAILED for one field the schema could not judge alone. */
export function invalidField(path: string, code: string, message: string): ProblemError {
  return new ProblemError(400, 'VALIDATION_FAILED', errorEntry('VALIDATION_FAILED')[1], { errors: [{ path, code, message }] });
}
