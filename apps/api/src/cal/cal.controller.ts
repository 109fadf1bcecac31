import { referenceId } from '../http/identifiers.js';
import { Body, Controller, Headers, HttpCode, Inject, Param, Post, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { attributionDecider, attributionStreamId } from '@vigie/domain';
import { jsonEqual } from '@vigie/event-store';
import { parseOrThrow } from '../http/validation.js';
import { LeaseReferentialService } from '../leases/lease-referential.service.js';
import { DecisionsService } from '../shared/decisions.service.js';
import { apiWriteContext, Writer, eventIdFrom } from '../shared/write-context.js';
import { calDecisionSchema, offerDeclinedSchema, toCalDecisionData, toOfferDeclinedData } from './cal.schemas.js';
import { RUNTIME, type Runtime } from '../runtime/runtime.js';
import { Access } from '../access/access.decorators.js';
import { CASE_OF_DECLINED_OFFER, CLAIMED_BY_BODY_BAILLEUR } from '../access/tenancies.js';

@ApiTags('facts from bailleurs')
@Controller('v1/cal-decisions')
export class CalController {
  constructor(
    private readonly decisions: DecisionsService,
    private readonly referential: LeaseReferentialService,
    @Inject(RUNTIME) private readonly runtime: Runtime,
  ) {}

  @Access({ roles: ['bailleur', 'admin'], tenancy: CLAIMED_BY_BODY_BAILLEUR })
  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary: 'Record a CAL decision (CalDecisionRecorded): ranked candidates and decisions; counts nothing by itself',
  })
  async record(
    @Body() body: unknown,
    @Headers('idempotency-key') key: string | undefined,
    @Writer() writer: Writer,
    @Res({ passthrough: true }) response: Response,
  ) {
    const { eventId: bodyEventId, ...input } = parseOrThrow(calDecisionSchema, body);
    const data = toCalDecisionData(input, (nud) => this.runtime.pseudonymiser.pseudonymise(nud));
    const eventId = eventIdFrom(bodyEventId, key, true);
    const result = await this.decisions.decide({
      streamId: attributionStreamId(data.bailleurId, data.caseId),
      decider: attributionDecider,
      context: apiWriteContext(eventId, writer),
      isRetryOf: (previous) => previous.type === 'CalDecisionRecorded' && jsonEqual(previous.data, data),
      command: async () => ({
        type: 'RecordCalDecision' as const,
        data,
        referential: await this.referential.contextForFact(data),
        now: this.runtime.clock(),
      }),
    });
    if (result.alreadyRecorded) response.status(200);
    return result;
  }

  @Access({ roles: ['bailleur', 'admin'], tenancy: CASE_OF_DECLINED_OFFER })
  @Post(':caseId/offer-declined')
  @HttpCode(201)
  @ApiOperation({
    summary: 'The household the CAL chose declined the flat (OfferDeclined): it can no longer sign a lease on this case',
  })
  async declined(
    @Param('caseId') caseIdParam: string,
    @Body() body: unknown,
    @Headers('idempotency-key') key: string | undefined,
    @Writer() writer: Writer,
    @Res({ passthrough: true }) response: Response,
  ) {
    const caseId = parseOrThrow(referenceId('Référence du dossier'), caseIdParam);
    const { eventId: bodyEventId, ...input } = parseOrThrow(offerDeclinedSchema, body);
    const data = toOfferDeclinedData({ caseId, ...input }, (nud) => this.runtime.pseudonymiser.pseudonymise(nud));
    const eventId = eventIdFrom(bodyEventId, key, true);
    const result = await this.decisions.decide({
      streamId: attributionStreamId(data.bailleurId, caseId),
      decider: attributionDecider,
      context: apiWriteContext(eventId, writer),
      isRetryOf: (previous) => previous.type === 'OfferDeclined' && jsonEqual(previous.data, data),
      command: () => ({ type: 'DeclineOffer' as const, data, now: this.runtime.clock() }),
    });
    if (result.alreadyRecorded) response.status(200);
    return result;
  }
}
