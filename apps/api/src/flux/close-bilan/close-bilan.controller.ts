import { Contract } from '../../http/contract.js';
import { businessDateSchema } from '../../http/dates.js';
import { JsonBody } from '../../http/body.js';
import { Body, Controller, Headers, HttpCode, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import type { CommandOutcome } from '@vigie/event-store';
import { Access } from '../../access/access.decorators.js';
import { existingOwnedBy } from '../../access/tenancies.js';
import { organisationId } from '../../http/identifiers.js';
import { yearParam } from '../../http/params.js';
import { parseOrThrow } from '../../http/validation.js';
import { answerWrite, apiWriteContext, eventIdFrom, type WriteAnswer, Writer } from '../../http/write.js';
import { CloseBilan } from './close-bilan.handler.js';

const closureSchema = z.object({ eventId: z.string().optional(), closedOn: businessDateSchema }).strict();

@ApiTags('flux')
@Controller('v1/bailleurs/:bailleurId/bilans/:year/closure')
export class CloseBilanController {
  constructor(private readonly commandBus: CommandBus) {}

  @Access({ roles: ['bailleur', 'admin'], tenancy: existingOwnedBy('bailleurs', 'bailleurId') })
  @JsonBody()
  @Post()
  @HttpCode(201)
  @Contract({
    summary:
      'Clôturer le bilan d’une année passée (FluxBilanClosed) : les faits enregistrés ensuite pour cette année sont montrés à part',
    answer: 'write',
    body: { schema: closureSchema, example: { closedOn: '2027-02-20' } },
    errors: ['BAILLEUR_NOT_REGISTERED', 'BILAN_ALREADY_CLOSED', 'BILAN_YEAR_NOT_OVER'],
  })
  async close(
    @Param('bailleurId') bailleurParam: string,
    @Param('year') yearText: string,
    @Body() body: unknown,
    @Headers('idempotency-key') key: string | undefined,
    @Writer() writer: Writer,
    @Res({ passthrough: true }) response: FastifyReply,
  ): Promise<WriteAnswer> {
    const bailleurId = parseOrThrow(organisationId('Identifiant du bailleur'), bailleurParam, 'bailleurId');
    const year = parseOrThrow(yearParam, yearText, 'year');
    const { eventId, closedOn } = parseOrThrow(closureSchema, body);
    const context = apiWriteContext(eventIdFrom(eventId, key, 'fresh'), writer);
    const outcome = await this.commandBus.execute<CloseBilan, CommandOutcome>(
      new CloseBilan({ bailleurId, year, closedOn }, context),
    );
    return answerWrite(response, outcome);
  }
}
