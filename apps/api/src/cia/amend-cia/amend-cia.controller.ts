import { Contract } from '../../http/contract.js';
import { JsonBody, KiB } from '../../http/body.js';
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
import { amendCiaSchema } from '../cia.schemas.js';
import { AmendCia } from './amend-cia.handler.js';

@ApiTags('CIA')
@Controller('v1/epcis/:siren')
export class AmendCiaController {
  constructor(private readonly commandBus: CommandBus) {}

  @Access({ roles: ['epci', 'admin'], tenancy: claimedEpci('siren') })
  @JsonBody(256 * KiB)
  @Post('cia/amendments')
  @HttpCode(201)
  @Contract({
    summary: 'Modifier la CIA par avenant : ce qui est donné remplace, le reste demeure ; les chiffres suivent aussitôt',
    answer: 'write',
    body: { schema: amendCiaSchema, example: { amendedOn: '2026-06-30', terms: { objectives: { hq1: { target: 0.3 } } } } },
    errors: ['EPCI_NOT_REGISTERED', 'CIA_NOT_ADOPTED', 'CIA_TARGET_OUT_OF_RANGE', 'CIA_PERIOD_INVALID', 'CIA_SECTOR_UNKNOWN'],
  })
  async amend(
    @Param('siren') sirenParam: string,
    @Body() body: unknown,
    @Headers('idempotency-key') key: string | undefined,
    @Writer() writer: Writer,
    @Res({ passthrough: true }) response: FastifyReply,
  ): Promise<WriteAnswer> {
    const epciSiren = parseOrThrow(siren('SIREN de l’EPCI'), sirenParam, 'siren');
    const input = parseOrThrow(amendCiaSchema, body);
    const context = apiWriteContext(eventIdFrom(input.eventId, key, 'fresh'), writer);
    const outcome = await this.commandBus.execute<AmendCia, CommandOutcome>(
      new AmendCia({ epciSiren, amendedOn: input.amendedOn, terms: input.terms }, context),
    );
    return answerWrite(response, outcome);
  }
}
