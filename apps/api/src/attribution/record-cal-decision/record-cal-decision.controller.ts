import { CLOCK, type Clock } from '../../platform/platform.module.js';
import { Contract } from '../../http/contract.js';
import { JsonBody } from '../../http/body.js';
import { Body, Controller, Inject, Headers, HttpCode, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
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
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Access({ roles: ['bailleur', 'admin'], tenancy: CLAIMED_BY_BODY_BAILLEUR })
  @JsonBody()
  @Post()
  @HttpCode(201)
  @Contract({
    summary:
      'Enregistrer une décision de CAL (CalDecisionRecorded) : candidats classés et décisions ; ne compte rien à elle seule',
    answer: 'write',
    body: {
      schema: calDecisionSchema,
      example: {
        eventId: '7d4f3c1e-2b1a-4c5d-8e9f-0a1b2c3d4e5f',
        caseId: 'D-2026-0002',
        bailleurId: 'lmh',
        calDate: '2026-03-01',
        flat: {
          rplsId: '5935000001',
          communeInsee: '59350',
          epciSiren: '200093201',
          qpvCode: null,
          typology: 'T3',
          financing: 'PLUS',
        },
        candidates: [
          { rank: 1, numeroUnique: '0591226000456', decision: 'attribution' },
          { rank: 2, numeroUnique: '0591225000789', decision: 'attribution_sous_condition' },
        ],
        reservataireId: null,
      },
    },
    errors: [
      'BAILLEUR_NOT_REGISTERED',
      'RESERVATAIRE_NOT_REGISTERED',
      'EPCI_NOT_REGISTERED',
      'QPV_NOT_IN_COMMUNE',
      'CASE_ALREADY_LEASED',
      'CAL_DATE_IN_FUTURE',
      'CAL_CANDIDATES_INVALID',
      'CASE_MISMATCH',
      'CONCURRENT_MODIFICATION',
      'COMMUNE_UNKNOWN',
      'COMMUNE_NOT_IN_EPCI',
      'QPV_UNKNOWN',
      'QPV_NOT_IN_FORCE',
    ],
  })
  async record(
    @Body() body: unknown,
    @Headers('idempotency-key') key: string | undefined,
    @Writer() writer: Writer,
    @Res({ passthrough: true }) response: FastifyReply,
  ): Promise<WriteAnswer> {
    const { eventId: given, ...input } = parseOrThrow(calDecisionSchema, body);
    const decision = toCalDecisionData(input, (nud) => this.pseudonymiser.pseudonymise(nud));
    const context = apiWriteContext(eventIdFrom(given, key, { writer, body }), writer);
    const outcome = await this.commandBus.execute<RecordCalDecision, CommandOutcome>(
      new RecordCalDecision(decision, context, this.clock()),
    );
    return answerWrite(response, outcome);
  }
}
