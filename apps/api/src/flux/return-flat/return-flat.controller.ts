import { Contract } from '../../http/contract.js';
import { JsonBody } from '../../http/body.js';
import { Body, Controller, Headers, HttpCode, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { CommandOutcome } from '@vigie/event-store';
import { Access } from '../../access/access.decorators.js';
import { CLAIMED_BY_BODY_BAILLEUR } from '../../access/tenancies.js';
import { parseOrThrow } from '../../http/validation.js';
import { answerWrite, apiWriteContext, eventIdFrom, type WriteAnswer, Writer } from '../../http/write.js';
import { returnSchema } from '../flux-facts/flux-fact.schemas.js';
import { ReturnFlat } from './return-flat.handler.js';

@ApiTags('flux')
@Controller('v1/flux/returns')
export class ReturnFlatController {
  constructor(private readonly commandBus: CommandBus) {}

  @Access({ roles: ['bailleur', 'admin'], tenancy: CLAIMED_BY_BODY_BAILLEUR })
  @JsonBody()
  @Post()
  @HttpCode(201)
  @Contract({
    summary: 'Le réservataire n’a proposé personne à temps : le logement revient au bailleur (FlatReturnedToBailleur)',
    answer: 'write',
    body: {
      schema: returnSchema,
      example: {
        eventId: '7d4f3c1e-2b1a-4c5d-8e9f-0a1b2c3d4e5f',
        bailleurId: 'lmh',
        rplsId: '5935000001',
        reservataireId: 'action-logement',
        conventionId: 'ALS-LMH-59',
        returnedOn: '2026-03-10',
        reason: 'Aucun candidat proposé dans le délai',
      },
    },
    errors: ['FLUX_FACT_OUT_OF_ORDER', 'CONVENTION_NOT_FOUND', 'FLAT_NOT_ORIENTED', 'CONCURRENT_MODIFICATION'],
  })
  async giveBack(
    @Body() body: unknown,
    @Headers('idempotency-key') key: string | undefined,
    @Writer() writer: Writer,
    @Res({ passthrough: true }) response: FastifyReply,
  ): Promise<WriteAnswer> {
    const { eventId: given, ...fact } = parseOrThrow(returnSchema, body);
    const context = apiWriteContext(eventIdFrom(given, key, { writer, body }), writer);
    const outcome = await this.commandBus.execute<ReturnFlat, CommandOutcome>(new ReturnFlat(fact, context));
    return answerWrite(response, outcome);
  }
}
