import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Inject, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { isDomainError } from '@vigie/domain';
import { ConditionFactsBehindError, EventIdConflictError, WrongExpectedVersionError } from '@vigie/event-store';
import { isDatabaseUnavailable, isDataException } from '@vigie/postgres';
import type { VigieConfig } from '@vigie/config';
import { VIGIE_CONFIG } from '../platform/platform.module.js';
import { type ErrorCode, errorDetail, isErrorCode } from './error-table.js';
import { codeOfStatus, frameworkProblem } from './framework-errors.js';
import { type Problem, problemDocument, ProblemError, sendProblem } from './problem.js';

function httpExceptionCode(exception: HttpException): ErrorCode {
  const body = exception.getResponse() as { message?: unknown };
  return statusCode(exception.getStatus(), body?.message);
}

/** An error of Fastify itself (`FST_ERR_…`: a malformed URL, a parameter too long…), with its HTTP status. */
function isFastifyError(exception: unknown): exception is { code: string; statusCode: number; message: string } {
  const error = exception as { code?: unknown; statusCode?: unknown } | null;
  return typeof error?.code === 'string' && error.code.startsWith('FST_ERR') && typeof error.statusCode === 'number';
}

/** The code of an HTTP status the framework answered (its message tells a malformed JSON body). */
function statusCode(status: number, message: unknown): ErrorCode {
  if (status === 400 && typeof message === 'string' && /JSON|Unexpected token|position/i.test(message)) {
    return 'MALFORMED_JSON';
  }
  return status >= 500 ? 'INTERNAL_ERROR' : codeOfStatus(status, 'VALIDATION_FAILED');
}

/** Turns every error into application/problem+json with a stable code and a French title. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');
  private lastUnavailableLog = 0;

  constructor(@Inject(VIGIE_CONFIG) private readonly config: VigieConfig) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (reply.sent || reply.raw.headersSent) {
      // A stream already answering (SSE): nothing more can be said, close it.
      reply.raw.end();
      return;
    }
    const problem = this.toProblem(exception);
    if (
      problem.code === 'DATABASE_UNAVAILABLE' ||
      problem.code === 'REQUEST_DEADLINE_EXCEEDED' ||
      problem.code === 'EVENT_LOG_COPY_BEHIND'
    ) {
      // An outage is one cause, not one error per request: one line every few seconds, no stack.
      const now = Date.now();
      if (now - this.lastUnavailableLog > 5_000) {
        this.lastUnavailableLog = now;
        this.logger.warn(`${problem.code}: ${(exception as Error)?.message || (exception as { code?: string })?.code}`);
      }
      reply.header('retry-after', String(this.config.DATABASE_RETRY_AFTER_S));
    } else if (problem.status >= 500) {
      // Never the request body: it may hold personal data.
      this.logger.error(`${problem.code}: ${(exception as Error)?.stack ?? String(exception)}`);
    }
    sendProblem(reply, problem);
  }

  private toProblem(exception: unknown): Problem {
    if (exception instanceof ProblemError) {
      return { ...problemDocument(exception.code), status: exception.status, title: exception.title, ...exception.extensions };
    }
    if (isDomainError(exception) && isErrorCode(exception.code)) {
      const detail = errorDetail(exception.code, exception.details);
      const problem = problemDocument(exception.code, { details: exception.details, ...(detail ? { detail } : {}) });
      // A 404 says nothing more than "not found": the same answer as for another organisation's resource.
      return problem.status === 404 ? problemDocument(exception.code) : problem;
    }
    if (exception instanceof WrongExpectedVersionError) {
      return problemDocument('CONCURRENT_MODIFICATION', { expectedVersion: exception.expected, actualVersion: exception.actual });
    }
    if (exception instanceof EventIdConflictError) return problemDocument('EVENT_ID_CONFLICT', { eventId: exception.eventId });
    if (isDatabaseUnavailable(exception)) return problemDocument('DATABASE_UNAVAILABLE');
    // With KurrentDB: the facts an append's conditions read lag behind the log; nothing was written.
    if (exception instanceof ConditionFactsBehindError) return problemDocument('EVENT_LOG_COPY_BEHIND');
    // SQLSTATE class 22: PostgreSQL refuses a value of the request (validation should have caught it first).
    if (isDataException(exception)) return problemDocument('VALUE_NOT_STORABLE');
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const code = httpExceptionCode(exception);
      return { ...problemDocument(code), status };
    }
    if (isFastifyError(exception) && exception.statusCode < 500) return frameworkProblem(exception);
    return problemDocument('INTERNAL_ERROR');
  }
}
