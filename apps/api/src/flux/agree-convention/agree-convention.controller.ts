import { Contract } from '../../http/contract.js';
import { businessDateSchema } from '../../http/dates.js';
import { JsonBody } from '../../http/body.js';
import { Body, Controller, Headers, HttpCode, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import type { Principal } from '@vigie/access';
import { CONVENTION_PARTIES } from '@vigie/domain';
import type { CommandOutcome } from '@vigie/event-store';
import { Access, CurrentPrincipal } from '../../access/access.decorators.js';
import { EXISTING_CONVENTION } from '../../access/tenancies.js';
import { invalidField } from '../../http/problem.js';
import { parseOrThrow } from '../../http/validation.js';
import { answerWrite, apiWriteContext, eventIdFrom, type WriteAnswer, Writer } from '../../http/write.js';
import { agreementOf, CONVENTION_PATH, conventionPathSchema, year } from '../conventions/convention.schemas.js';
import { AgreeConvention } from './agree-convention.handler.js';

const agreementSchema = z
  .object({
    eventId: z.string().optional(),
    /** The revision agreed to (its first year), or null / absent for the convention itself. */
    revisionFromYear: year.nullable().default(null),
    agreedOn: businessDateSchema,
    /** Admin only: the party whose agreement it records. */
    party: z.enum(CONVENTION_PARTIES).optional(),
  })
  .strict();

@ApiTags('flux')
@Controller(`v1/conventions/${CONVENTION_PATH}/agreements`)
export class AgreeConventionController {
  constructor(private readonly commandBus: CommandBus) {}

  @Access({ roles: ['bailleur', 'reservataire', 'admin'], tenancy: EXISTING_CONVENTION })
  @JsonBody()
  @Post()
  @HttpCode(201)
  @Contract({
    summary:
      'L’autre partie donne son accord à la convention ou à une révision (ConventionAgreed) : elle engage une fois les deux accords donnés',
    answer: 'write',
    body: { schema: agreementSchema, example: { agreedOn: '2025-12-10' } },
    errors: ['CONVENTION_NOT_FOUND', 'CONVENTION_REVISION_NOT_FOUND', 'CONVENTION_ALREADY_AGREED', 'AGREEMENT_NOT_YOURS'],
  })
  async agree(
    @Param() params: Record<string, string>,
    @Body() body: unknown,
    @Headers('idempotency-key') key: string | undefined,
    @Writer() writer: Writer,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) response: FastifyReply,
  ): Promise<WriteAnswer> {
    const convention = parseOrThrow(conventionPathSchema, params);
    const { eventId: given, party: asked, ...input } = parseOrThrow(agreementSchema, body);
    if (principal.role === 'admin' && !asked) {
      throw invalidField('party', 'REQUIRED', 'Partie obligatoire pour un administrateur : bailleur ou reservataire.');
    }
    const [party] = agreementOf(principal, asked ? [asked] : undefined);
    const agreement = { conventionId: convention.conventionId, party: party!, ...input };
    const context = apiWriteContext(eventIdFrom(given, key, 'fresh'), writer);
    const outcome = await this.commandBus.execute<AgreeConvention, CommandOutcome>(
      new AgreeConvention(convention, agreement, context),
    );
    return answerWrite(response, outcome);
  }
}
