import { JsonBody } from '../../http/body.js';
import { Body, Controller, Headers, HttpCode, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
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
  @ApiOperation({ summary: 'A released flat is oriented to a réservataire’s convention (FlatOrientedToReservataire)' })
  async orient(
    @Body() body: unknown,
    @Headers('idempotency-key') key: string | undefined,
    @Writer() writer: Writer,
    @Res({ passthrough: true }) response: Response,
  ): Promise<WriteAnswer> {
    const { eventId: given, ...fact } = parseOrThrow(orientationSchema, body);
    const context = apiWriteContext(eventIdFrom(given, key, true), writer);
    const outcome = await this.commandBus.execute<OrientFlat, CommandOutcome>(new OrientFlat(fact, context));
    return answerWrite(response, outcome);
  }
}
