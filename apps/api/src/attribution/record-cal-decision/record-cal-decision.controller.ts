import { JsonBody } from '../../http/body.js';
import { Body, Controller, Headers, HttpCode, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Pseudonymiser } from '@vigie/access';
import type { CommandOutcome } from '@vigie/event-store';
import { Access } from '../../access/access.decorators.js';
import { CLAIMED_BY_BODY_BAILLEUR } from '../../access/tenancies.js';
import { parseOrThrow } from '../../http/validation.js';
import { answerWrite, apiWriteContext, eventIdFrom, type WriteAnswer, Writer } from '../../http/write.js';
import { RecordCalDecision } from './record-cal-decision.handler.js';
import { calDecisionSchema, toCalDecisionData } from './record-cal-decision.schema.js';

@ApiTags('facts from bailleurs')
@Controller('v1/cal-decisions')
export class RecordCalDecisionController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly pseudonymiser: Pseudonymiser,
  ) {}

  @Access({ roles: ['bailleur', 'admin'], tenancy: CLAIMED_BY_BODY_BAILLEUR })
  @JsonBody()
  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary: 'Record a CAL decision (CalDecisionRecorded): ranked candidates and decisions; counts nothing by itself',
  })
  async record(
    @Body() body: unknown,
    @Headers('idempotency-key') key: string | undefined,
    @Writer() writer: Writer,
    @Res({ passthrough: true }) response: Response,
  ): Promise<WriteAnswer> {
    const { eventId: given, ...input } = parseOrThrow(calDecisionSchema, body);
    const decision = toCalDecisionData(input, (nud) => this.pseudonymiser.pseudonymise(nud));
    const context = apiWriteContext(eventIdFrom(given, key, true), writer);
    const outcome = await this.commandBus.execute<RecordCalDecision, CommandOutcome>(
      new RecordCalDecision(decision, context, new Date()),
    );
    return answerWrite(response, outcome);
  }
}
