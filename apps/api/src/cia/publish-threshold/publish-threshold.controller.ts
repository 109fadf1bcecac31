import { Contract } from '../../http/contract.js';
import { JsonBody } from '../../http/body.js';
import { Body, Controller, Headers, HttpCode, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { CommandOutcome } from '@vigie/event-store';
import { Access } from '../../access/access.decorators.js';
import { claimedEpci } from '../../access/tenancies.js';
import { siren } from '../../http/identifiers.js';
import { parseOrThrow } from '../../http/validation.js';
import { answerWrite, apiWriteContext, eventIdFrom, type WriteAnswer, Writer } from '../../http/write.js';
import { thresholdSchema } from '../cia.schemas.js';
import { PublishQuartileThreshold } from './publish-threshold.handler.js';

@ApiTags('CIA')
@Controller('v1/epcis/:siren')
export class PublishQuartileThresholdController {
  constructor(private readonly commandBus: CommandBus) {}

  @Access({ roles: ['etat', 'admin'], tenancy: claimedEpci('siren') })
  @JsonBody()
  @Post('quartile-thresholds')
  @HttpCode(201)
  @Contract({
    summary: 'Publier (ou corriger) le seuil du premier quartile d’une année, en € par UC, avec sa source',
    answer: 'write',
    body: { schema: thresholdSchema, example: { year: 2026, amountPerUc: 10000, source: 'Arrêté du 2 mars 2026' } },
    errors: ['EPCI_NOT_REGISTERED', 'THRESHOLD_UNCHANGED'],
  })
  async publish(
    @Param('siren') sirenParam: string,
    @Body() body: unknown,
    @Headers('idempotency-key') key: string | undefined,
    @Writer() writer: Writer,
    @Res({ passthrough: true }) response: FastifyReply,
  ): Promise<WriteAnswer> {
    const epciSiren = parseOrThrow(siren('SIREN de l’EPCI'), sirenParam, 'siren');
    const input = parseOrThrow(thresholdSchema, body);
    const context = apiWriteContext(eventIdFrom(input.eventId, key, 'fresh'), writer);
    const outcome = await this.commandBus.execute<PublishQuartileThreshold, CommandOutcome>(
      new PublishQuartileThreshold(
        { epciSiren, year: input.year, amountPerUc: input.amountPerUc, source: input.source },
        context,
      ),
    );
    return answerWrite(response, outcome);
  }
}
