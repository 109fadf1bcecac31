import { JsonBody, KiB } from '../../http/body.js';
import { Body, Controller, Headers, HttpCode, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
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
  @ApiOperation({
    summary: 'Adopt the CIA (objectives, sectors, territorialised objectives, counting options); legal defaults fill the gaps',
  })
  async adopt(
    @Param('siren') sirenParam: string,
    @Body() body: unknown,
    @Headers('idempotency-key') key: string | undefined,
    @Writer() writer: Writer,
    @Res({ passthrough: true }) response: Response,
  ): Promise<WriteAnswer> {
    const epciSiren = parseOrThrow(siren('SIREN de l’EPCI'), sirenParam);
    const input = parseOrThrow(adoptCiaSchema, body);
    const context = apiWriteContext(eventIdFrom(input.eventId, key, false), writer);
    const outcome = await this.commandBus.execute<AdoptCia, CommandOutcome>(
      new AdoptCia({ epciSiren, adoptedOn: input.adoptedOn, terms: input.terms }, context),
    );
    return answerWrite(response, outcome);
  }
}
