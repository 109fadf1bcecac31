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
import { releaseSchema } from '../flux-facts/flux-fact.schemas.js';
import { ReleaseFlat } from './release-flat.handler.js';

@ApiTags('flux')
@Controller('v1/flux/releases')
export class ReleaseFlatController {
  constructor(private readonly commandBus: CommandBus) {}

  @Access({ roles: ['bailleur', 'admin'], tenancy: CLAIMED_BY_BODY_BAILLEUR })
  @JsonBody()
  @Post()
  @HttpCode(201)
  @Contract({
    summary: 'Un logement se libère (FlatReleased) : dans l’assiette nette, ou hors assiette avec son motif',
    answer: 'write',
    body: {
      schema: releaseSchema,
      example: {
        eventId: '7d4f3c1e-2b1a-4c5d-8e9f-0a1b2c3d4e5f',
        bailleurId: 'lmh',
        rplsId: '5935000001',
        departement: '59',
        releasedOn: '2026-02-01',
        inNetBase: true,
      },
    },
    errors: ['BAILLEUR_NOT_REGISTERED', 'EXCLUSION_REASON_REQUIRED', 'FLAT_ALREADY_RELEASED', 'CONCURRENT_MODIFICATION'],
  })
  async release(
    @Body() body: unknown,
    @Headers('idempotency-key') key: string | undefined,
    @Writer() writer: Writer,
    @Res({ passthrough: true }) response: FastifyReply,
  ): Promise<WriteAnswer> {
    const { eventId: given, ...fact } = parseOrThrow(releaseSchema, body);
    const context = apiWriteContext(eventIdFrom(given, key, { writer, body }), writer);
    const outcome = await this.commandBus.execute<ReleaseFlat, CommandOutcome>(new ReleaseFlat(fact, context));
    return answerWrite(response, outcome);
  }
}
