import { Contract } from '../../http/contract.js';
import { JsonBody } from '../../http/body.js';
import { Body, Controller, Headers, HttpCode, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
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
  @Contract({
    summary: 'Annuler un bail (LeaseCancelled, qui cite l’événement annulé) : il cesse de compter',
    answer: 'write',
    body: {
      schema: cancelLeaseSchema,
      example: {
        eventId: '7d4f3c1e-2b1a-4c5d-8e9f-0a1b2c3d4e5f',
        bailleurId: 'lmh',
        caseId: 'D-2026-0001',
        reason: 'Bail saisi en double',
      },
    },
    errors: ['CONCURRENT_MODIFICATION'],
  })
  async cancel(
    @Param('leaseId') leaseId: string,
    @Body() body: unknown,
    @Headers('idempotency-key') key: string | undefined,
    @Writer() writer: Writer,
    @Res({ passthrough: true }) response: FastifyReply,
  ): Promise<WriteAnswer> {
    const { eventId: given, bailleurId, caseId, reason } = parseOrThrow(cancelLeaseSchema, body);
    const context = apiWriteContext(eventIdFrom(given, key, { writer, body }), writer);
    const outcome = await this.commandBus.execute<CancelLease, CommandOutcome>(
      new CancelLease({ leaseId, caseId, bailleurId, reason }, context),
    );
    return answerWrite(response, outcome);
  }
}
