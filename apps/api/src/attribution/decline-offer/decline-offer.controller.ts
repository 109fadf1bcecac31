import { JsonBody } from '../../http/body.js';
import { Body, Controller, Headers, HttpCode, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Pseudonymiser } from '@vigie/access';
import type { CommandOutcome } from '@vigie/event-store';
import { Access } from '../../access/access.decorators.js';
import { CASE_OF_DECLINED_OFFER } from '../../access/tenancies.js';
import { referenceId } from '../../http/identifiers.js';
import { parseOrThrow } from '../../http/validation.js';
import { answerWrite, apiWriteContext, eventIdFrom, type WriteAnswer, Writer } from '../../http/write.js';
import { DeclineOffer } from './decline-offer.handler.js';
import { offerDeclinedSchema, toOfferDeclinedData } from './decline-offer.schema.js';

@ApiTags('facts from bailleurs')
@Controller('v1/cal-decisions/:caseId/offer-declined')
export class DeclineOfferController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly pseudonymiser: Pseudonymiser,
  ) {}

  @Access({ roles: ['bailleur', 'admin'], tenancy: CASE_OF_DECLINED_OFFER })
  @JsonBody()
  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary: 'The household the CAL chose declined the flat (OfferDeclined): it can no longer sign a lease on this case',
  })
  async decline(
    @Param('caseId') caseIdParam: string,
    @Body() body: unknown,
    @Headers('idempotency-key') key: string | undefined,
    @Writer() writer: Writer,
    @Res({ passthrough: true }) response: Response,
  ): Promise<WriteAnswer> {
    const caseId = parseOrThrow(referenceId('Référence du dossier'), caseIdParam);
    const { eventId: given, ...input } = parseOrThrow(offerDeclinedSchema, body);
    const refusal = toOfferDeclinedData({ caseId, ...input }, (nud) => this.pseudonymiser.pseudonymise(nud));
    const context = apiWriteContext(eventIdFrom(given, key, true), writer);
    const outcome = await this.commandBus.execute<DeclineOffer, CommandOutcome>(new DeclineOffer(refusal, context, new Date()));
    return answerWrite(response, outcome);
  }
}
