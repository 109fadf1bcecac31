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
import { orientationSchema } from '../flux-facts/flux-fact.schemas.js';
import { OrientFlat } from './orient-flat.handler.js';

@ApiTags('flux')
@Controller('v1/flux/orientations')
export class OrientFlatController {
  constructor(private readonly commandBus: CommandBus) {}

  @Access({ roles: ['bailleur', 'admin'], tenancy: CLAIMED_BY_BODY_BAILLEUR })
  @JsonBody()
  @Post()
  @HttpCode(201)
  @Contract({
    summary: 'Un logement libéré est orienté vers la convention d’un réservataire (FlatOrientedToReservataire)',
    answer: 'write',
    body: {
      schema: orientationSchema,
      example: {
        eventId: '7d4f3c1e-2b1a-4c5d-8e9f-0a1b2c3d4e5f',
        bailleurId: 'lmh',
        rplsId: '5935000001',
        reservataireId: 'action-logement',
        conventionId: 'ALS-LMH-59',
        orientedOn: '2026-02-03',
      },
    },
    errors: [
      'FLUX_FACT_OUT_OF_ORDER',
      'FLAT_OUTSIDE_PERIMETER',
      'CONVENTION_NOT_FOUND',
      'FLAT_NOT_RELEASED',
      'FLAT_OUTSIDE_NET_BASE',
      'FLAT_ALREADY_ORIENTED',
      'CONCURRENT_MODIFICATION',
    ],
  })
  async orient(
    @Body() body: unknown,
    @Headers('idempotency-key') key: string | undefined,
    @Writer() writer: Writer,
    @Res({ passthrough: true }) response: FastifyReply,
  ): Promise<WriteAnswer> {
    const { eventId: given, ...fact } = parseOrThrow(orientationSchema, body);
    const context = apiWriteContext(eventIdFrom(given, key, { writer, body }), writer);
    const outcome = await this.commandBus.execute<OrientFlat, CommandOutcome>(new OrientFlat(fact, context));
    return answerWrite(response, outcome);
  }
}
