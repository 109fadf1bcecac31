import { CLOCK, type Clock } from '../../platform/platform.module.js';
import { Contract } from '../../http/contract.js';
import { JsonBody } from '../../http/body.js';
import { Body, Controller, Inject, Headers, HttpCode, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
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
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Access({ roles: ['bailleur', 'admin'], tenancy: CASE_OF_DECLINED_OFFER })
  @JsonBody()
  @Post()
  @HttpCode(201)
  @Contract({
    summary: 'Le ménage retenu par la CAL a refusé le logement (OfferDeclined) : il ne peut plus signer de bail sur ce dossier',
    answer: 'write',
    body: {
      schema: offerDeclinedSchema,
      example: {
        eventId: '7d4f3c1e-2b1a-4c5d-8e9f-0a1b2c3d4e5f',
        bailleurId: 'lmh',
        numeroUnique: '0591226000456',
        declinedOn: '2026-03-08',
        reason: 'Logement trop éloigné du lieu de travail',
      },
    },
    errors: ['CASE_ALREADY_LEASED', 'CONCURRENT_MODIFICATION'],
  })
  async decline(
    @Param('caseId') caseIdParam: string,
    @Body() body: unknown,
    @Headers('idempotency-key') key: string | undefined,
    @Writer() writer: Writer,
    @Res({ passthrough: true }) response: FastifyReply,
  ): Promise<WriteAnswer> {
    const caseId = parseOrThrow(referenceId('Référence du dossier'), caseIdParam, 'caseId');
    const { eventId: given, ...input } = parseOrThrow(offerDeclinedSchema, body);
    const refusal = toOfferDeclinedData({ caseId, ...input }, (nud) => this.pseudonymiser.pseudonymise(nud));
    const context = apiWriteContext(eventIdFrom(given, key, { writer, body }), writer);
    const outcome = await this.commandBus.execute<DeclineOffer, CommandOutcome>(new DeclineOffer(refusal, context, this.clock()));
    return answerWrite(response, outcome);
  }
}
