import { Body, Controller, Headers, HttpCode, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { JsonBody } from '../../http/body.js';
import { ApiBody, ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { type Response } from 'express';
import { z } from 'zod';
import { Pseudonymiser } from '@vigie/access';
import type { CommandOutcome } from '@vigie/event-store';
import { Access } from '../../access/access.decorators.js';
import { CLAIMED_BY_BODY_BAILLEUR } from '../../access/tenancies.js';
import { parseOrThrow } from '../../http/validation.js';
import { answerWrite, apiWriteContext, eventIdFrom, type WriteAnswer, Writer } from '../../http/write.js';
import { RecordSignedLease } from './record-signed-lease.handler.js';
import { recordSignedLeaseSchema, toLeaseSignedData } from './record-signed-lease.schema.js';

@ApiTags('facts from bailleurs')
@Controller('v1/leases')
export class RecordSignedLeaseController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly pseudonymiser: Pseudonymiser,
  ) {}

  @Access({ roles: ['bailleur', 'admin'], tenancy: CLAIMED_BY_BODY_BAILLEUR })
  @JsonBody()
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
  ): Promise<WriteAnswer> {
    const parsed = parseOrThrow(recordSignedLeaseSchema, body);
    const eventId = eventIdFrom(parsed.eventId, idempotencyKey, true);
    const lease = toLeaseSignedData(parsed, (nud) => this.pseudonymiser.pseudonymise(nud));
    const outcome = await this.commandBus.execute<RecordSignedLease, CommandOutcome>(
      new RecordSignedLease(lease, apiWriteContext(eventId, writer), new Date()),
    );
    return answerWrite(response, outcome);
  }
}
