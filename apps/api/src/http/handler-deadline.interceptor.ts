import { type CallHandler, type ExecutionContext, Inject, Injectable, type NestInterceptor, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Response } from 'express';
import { catchError, type Observable, throwError, timeout, TimeoutError } from 'rxjs';
import type { VigieConfig } from '@vigie/config';
import { VIGIE_CONFIG } from '../platform/platform.module.js';
import { problemOf } from './problem.js';

const NO_DEADLINE = 'vigie:no-deadline';

/** A route that answers for as long as the client listens (server-sent events). */
export const NoDeadline = () => SetMetadata(NO_DEADLINE, true);

/**
 * Every request is answered within HTTP_REQUEST_TIMEOUT_S: past it, `503
 * REQUEST_DEADLINE_EXCEEDED` with Retry-After, instead of a client left waiting on a blocked
 * database. The work may still finish: a write sent again with the same eventId then answers 200.
 */
@Injectable()
export class HandlerDeadlineInterceptor implements NestInterceptor {
  constructor(
    @Inject(VIGIE_CONFIG) private readonly config: VigieConfig,
    private readonly reflector: Reflector,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (this.reflector.get<boolean>(NO_DEADLINE, context.getHandler())) return next.handle();
    const response = context.switchToHttp().getResponse<Response>();
    return next.handle().pipe(
      timeout(this.config.HTTP_REQUEST_TIMEOUT_S * 1_000),
      catchError((error: unknown) => {
        if (!(error instanceof TimeoutError)) return throwError(() => error);
        response.setHeader('retry-after', String(this.config.DATABASE_RETRY_AFTER_S));
        return throwError(() => problemOf('REQUEST_DEADLINE_EXCEEDED'));
      }),
    );
  }
}
