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
import { adoptCiaSchema } from '../cia.schemas.js';
import { AdoptCia } from './adopt-cia.handler.js';

@ApiTags('CIA')
@Controller('v1/epcis/:siren')
export class AdoptCiaController {
  constructor(private readonly commandBus: CommandBus) {}

  @Access({ roles: ['epci', 'admin'], tenancy: claimedEpci('siren') })
  @JsonBody(256 * KiB)
  @Post('cia')
  @HttpCode(201)
  @Contract({
    summary:
      'Adopter la CIA (objectifs, secteurs, objectifs territorialisés, options de décompte) ; les valeurs légales complètent',
    answer: 'write',
    body: {
      schema: adoptCiaSchema,
      example: {
        adoptedOn: '2026-01-15',
        terms: { period: { startYear: 2026, endYear: 2031 }, objectives: { qnq1: { target: 0.55 } } },
      },
    },
    errors: ['EPCI_NOT_REGISTERED', 'CIA_ALREADY_ADOPTED', 'CIA_TARGET_OUT_OF_RANGE', 'CIA_PERIOD_INVALID', 'CIA_SECTOR_UNKNOWN'],
  })
  async adopt(
    @Param('siren') sirenParam: string,
    @Body() body: unknown,
    @Headers('idempotency-key') key: string | undefined,
    @Writer() writer: Writer,
    @Res({ passthrough: true }) response: FastifyReply,
  ): Promise<WriteAnswer> {
    const epciSiren = parseOrThrow(siren('SIREN de l’EPCI'), sirenParam, 'siren');
    const input = parseOrThrow(adoptCiaSchema, body);
    const context = apiWriteContext(eventIdFrom(input.eventId, key, 'fresh'), writer);
    const outcome = await this.commandBus.execute<AdoptCia, CommandOutcome>(
      new AdoptCia({ epciSiren, adoptedOn: input.adoptedOn, terms: input.terms }, context),
    );
    return answerWrite(response, outcome);
  }
}
