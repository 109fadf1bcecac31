import { Body, Controller, Headers, HttpCode, Param, Post, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { attributionDecider, attributionStreamId } from '@vigie/domain';
import { jsonEqual } from '@vigie/event-store';
import { parseOrThrow } from '../http/validation.js';
import { LeaseReferentialService } from '../leases/lease-referential.service.js';
import { identifier } from '../leases/record-signed-lease/record-signed-lease.schema.js';
import { DecisionsService } from '../shared/decisions.service.js';
import { apiWriteContext, eventIdFrom } from '../shared/write-context.js';
import { calDecisionSchema, offerDeclinedSchema } from './cal.schemas.js';

@ApiTags('facts from bailleurs')
@Controller('v1/cal-decisions')
export class CalController {
  constructor(
    private readonly decisions: DecisionsService,
    private readonly referential: LeaseReferentialService,
  ) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary: 'Record a CAL decision (CalDecisionRecorded): ranked candidates and decisions; counts nothing by itself',
  })
  async record(
    @Body() body: unknown,
    @Headers('idempotency-key') key: string | undefined,
    @Headers('x-correlation-id') correlationId: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ) {
    const { eventId: bodyEventId, ...data } = parseOrThrow(calDecisionSchema, body);
    const eventId = eventIdFrom(bodyEventId, key, true);
    const result = await this.decisions.decide({
      streamId: attributionStreamId(data.bailleurId, data.caseId),
      decider: attributionDecider,
      context: apiWriteContext(eventId, correlationId),
      isRetryOf: (previous) => previous.type === 'CalDecisionRecorded' && jsonEqual(previous.data, data),
      command: async () => ({
        type: 'RecordCalDecision' as const,
        data,
        referential: await this.referential.contextForFlat(data.flat),
        now: new Date(),
      }),
    });
    if (result.alreadyRecorded) response.status(200);
    return result;
  }

  @Post(':caseId/offer-declined')
  @HttpCode(201)
  @ApiOperation({
    summary: 'The household the CAL chose declined the flat (OfferDeclined): it can no longer sign a lease on this case',
  })
  async declined(
    @Param('caseId') caseIdParam: string,
    @Body() body: unknown,
    @Headers('idempotency-key') key: string | undefined,
    @Headers('x-correlation-id') correlationId: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ) {
    const caseId = parseOrThrow(identifier('Référence du dossier'), caseIdParam);
    const { eventId: bodyEventId, ...input } = parseOrThrow(offerDeclinedSchema, body);
    const data = { caseId, ...input };
    const eventId = eventIdFrom(bodyEventId, key, true);
    const result = await this.decisions.decide({
      streamId: attributionStreamId(data.bailleurId, caseId),
      decider: attributionDecider,
      context: apiWriteContext(eventId, correlationId),
      isRetryOf: (previous) => previous.type === 'OfferDeclined' && jsonEqual(previous.data, data),
      command: () => ({ type: 'DeclineOffer' as const, data, now: new Date() }),
    });
    if (result.alreadyRecorded) response.status(200);
    return result;
  }
}
