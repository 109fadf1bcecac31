import { Body, Controller, Headers, HttpCode, Inject, Post, Res } from '@nestjs/common';
import { RUNTIME, type Runtime } from '../../runtime/runtime.js';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBody, ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { type Response } from 'express';
import { z } from 'zod';
import { parseOrThrow } from '../../http/validation.js';
import { RecordSignedLeaseCommand } from './record-signed-lease.handler.js';
import type { DecisionResult } from '../../shared/decisions.service.js';
import { apiWriteContext, Writer, eventIdFrom } from '../../shared/write-context.js';

export interface RecordSignedLeaseResult {
  readonly eventId: string;
  readonly streamId: string;
  readonly streamVersion: number;
  readonly position: number;
  /** True when this event id had already been recorded with the same content (a retry). */
  readonly alreadyRecorded: boolean;
}
import { recordSignedLeaseSchema, toLeaseSignedData } from './record-signed-lease.schema.js';
import { Access } from '../../access/access.decorators.js';
import { CLAIMED_BY_BODY_BAILLEUR } from '../../access/tenancies.js';

@ApiTags('facts from bailleurs')
@Controller('v1/leases')
export class RecordSignedLeaseController {
  constructor(
    private readonly commandBus: CommandBus,
    @Inject(RUNTIME) private readonly runtime: Runtime,
  ) {}

  @Access({ roles: ['bailleur', 'admin'], tenancy: CLAIMED_BY_BODY_BAILLEUR })
  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary: 'Record a signed lease (LeaseSigned, the counting event)',
    description:
      'Idempotent: the same eventId (or Idempotency-Key header) sent again answers 200 with the original position; ' +
      'the same id with other content answers 409 EVENT_ID_CONFLICT.',
  })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'UUID, when the body has no eventId' })
  @ApiBody({ schema: z.toJSONSchema(recordSignedLeaseSchema, { io: 'input', unrepresentable: 'any' }) as object })
  @ApiResponse({ status: 201, description: 'Recorded' })
  @ApiResponse({ status: 200, description: 'Already recorded with the same content (retry)' })
  @ApiResponse({ status: 400, description: 'Invalid body: problem+json with errors[{path, code, message}]' })
  @ApiResponse({ status: 409, description: 'LEASE_ALREADY_SIGNED, EVENT_ID_CONFLICT or CONCURRENT_MODIFICATION' })
  async record(
    @Body() body: unknown,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Writer() writer: Writer,
    @Res({ passthrough: true }) response: Response,
  ): Promise<RecordSignedLeaseResult> {
    const parsed = parseOrThrow(recordSignedLeaseSchema, body);
    const eventId = eventIdFrom(parsed.eventId, idempotencyKey, true);
    const result = await this.commandBus.execute<RecordSignedLeaseCommand, DecisionResult>(
      new RecordSignedLeaseCommand(
        toLeaseSignedData(parsed, (nud) => this.runtime.pseudonymiser.pseudonymise(nud)),
        apiWriteContext(eventId, writer),
        this.runtime.clock(),
      ),
    );
    if (result.alreadyRecorded) response.status(200);
    response.setHeader('Location', `/v1/events/${result.eventId}`);
    return {
      eventId: result.eventId!,
      streamId: result.streamId,
      streamVersion: result.streamVersion,
      position: result.position!,
      alreadyRecorded: result.alreadyRecorded,
    };
  }
}
