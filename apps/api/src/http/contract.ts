import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiOperation, ApiQuery } from '@nestjs/swagger';
import type { z } from 'zod';
import type { ErrorCode } from './error-table.js';

export const CONTRACT = 'vigie:contract';

/**
 * What a route promises, declared once beside it and turned into its OpenAPI operation: the
 * schema of its body (the very zod schema that validates it) with a valid example, what a
 * success answers, and the business errors it may answer besides the ones its access rule,
 * body and parameters already imply.
 */
export interface RouteContract {
  /** French summary, as users read it on `/docs`. */
  readonly summary: string;
  readonly body?: { readonly schema: z.ZodType; readonly example: unknown };
  /** `write`: the write answer (201 new, 200 retry or unchanged); `read`: JSON (and CSV where `csv`). */
  readonly answer: 'write' | 'read' | 'accepted' | 'stream';
  readonly csv?: boolean;
  readonly errors?: readonly ErrorCode[];
}

/** Declares a route's contract (see RouteContract); the OpenAPI document is generated from it. */
export const Contract = (contract: RouteContract) =>
  applyDecorators(
    SetMetadata(CONTRACT, contract),
    ApiOperation({ summary: contract.summary }),
    // An export's format is a query parameter of the route like any other (unknown ones are refused).
    ...(contract.csv ? [ApiQuery({ name: 'format', required: false, enum: ['json', 'csv', 'xlsx'] })] : []),
  );
