import { JsonBody } from '../../http/body.js';
import { Body, Controller, Headers, HttpCode, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { freeText } from '../../http/free-text.js';
import type { CommandOutcome } from '@vigie/event-store';
import { Access } from '../../access/access.decorators.js';
import { CASE_OF_CANCELLATION } from '../../access/tenancies.js';
import { parseOrThrow } from '../../http/validation.js';
import { answerWrite, apiWriteContext, eventIdFrom, type WriteAnswer, Writer } from '../../http/write.js';
import { leaseLocatorSchema } from '../lease-locator.schema.js';
import { CancelLease } from './cancel-lease.handler.js';

const cancelLeaseSchema = leaseLocatorSchema
  .extend({ reason: freeText('Motif de l’annulation', { max: 500, required: 'Motif obligatoire.' }) })
  .strict();

@ApiTags('facts from bailleurs')
@Controller('v1/leases/:leaseId/cancellation')
export class CancelLeaseController {
  constructor(private readonly commandBus: CommandBus) {}

  @Access({ roles: ['bailleur', 'admin'], tenancy: CASE_OF_CANCELLATION })
  @JsonBody()
  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Cancel a lease (LeaseCancelled, citing the event it cancels): it stops counting from then on' })
  async cancel(
    @Param('leaseId') leaseId: string,
    @Body() body: unknown,
    @Headers('idempotency-key') key: string | undefined,
    @Writer() writer: Writer,
    @Res({ passthrough: true }) response: Response,
  ): Promise<WriteAnswer> {
    const { eventId: given, bailleurId, caseId, reason } = parseOrThrow(cancelLeaseSchema, body);
    const context = apiWriteContext(eventIdFrom(given, key, true), writer);
    const outcome = await this.commandBus.execute<CancelLease, CommandOutcome>(
      new CancelLease({ leaseId, caseId, bailleurId, reason }, context),
    );
    return answerWrite(response, outcome);
  }
}
