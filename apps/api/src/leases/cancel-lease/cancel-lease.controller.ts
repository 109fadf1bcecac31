import { Body, Controller, Headers, HttpCode, Param, Post, Res } from '@nestjs/common';
import { JsonBody } from '../../http/body.js';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { attributionDecider, attributionStreamId } from '@vigie/domain';
import { jsonEqual } from '@vigie/event-store';
import { parseOrThrow } from '../../http/validation.js';
import { DecisionsService } from '../../shared/decisions.service.js';
import { apiWriteContext, Writer, eventIdFrom } from '../../shared/write-context.js';
import { currentLeaseEventId, leaseLocatorSchema } from '../lease-stream.js';
import { Access } from '../../access/access.decorators.js';
import { existingCaseOfBodyBailleur } from '../../access/tenancies.js';
import { freeText } from '../../http/free-text.js';

const cancelLeaseSchema = leaseLocatorSchema
  .extend({ reason: freeText('Motif de l’annulation', { max: 500, required: 'Motif obligatoire.' }) })
  .strict();

@ApiTags('facts from bailleurs')
@Controller('v1/leases/:leaseId/cancellation')
export class CancelLeaseController {
  constructor(private readonly decisions: DecisionsService) {}

  @Access({ roles: ['bailleur', 'admin'], tenancy: existingCaseOfBodyBailleur('LEASE_NOT_FOUND') })
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
  ) {
    const input = parseOrThrow(cancelLeaseSchema, body);
    const eventId = eventIdFrom(input.eventId, key, true);
    const result = await this.decisions.decide({
      streamId: attributionStreamId(input.bailleurId, input.caseId),
      decider: attributionDecider,
      context: apiWriteContext(eventId, writer),
      isRetryOf: (previous) =>
        previous.type === 'LeaseCancelled' &&
        jsonEqual(
          { ...(previous.data as object), cancelsEventId: undefined },
          { leaseId, caseId: input.caseId, bailleurId: input.bailleurId, reason: input.reason },
        ),
      command: (_state, stream) => ({
        type: 'CancelLease' as const,
        data: { leaseId, reason: input.reason },
        currentEventId: currentLeaseEventId(stream),
      }),
    });
    if (result.alreadyRecorded) response.status(200);
    return result;
  }
}
