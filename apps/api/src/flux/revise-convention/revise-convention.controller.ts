import { Contract } from '../../http/contract.js';
import { JsonBody } from '../../http/body.js';
import { Body, Controller, Headers, HttpCode, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { freeText } from '../../http/free-text.js';
import type { Principal } from '@vigie/access';
import type { CommandOutcome } from '@vigie/event-store';
import { Access, CurrentPrincipal } from '../../access/access.decorators.js';
import { EXISTING_CONVENTION } from '../../access/tenancies.js';
import { parseOrThrow } from '../../http/validation.js';
import { answerWrite, apiWriteContext, eventIdFrom, type WriteAnswer, Writer } from '../../http/write.js';
import {
  agreedBySchema,
  agreementOf,
  amounts,
  CONVENTION_PATH,
  conventionPathSchema,
  year,
} from '../conventions/convention.schemas.js';
import { ReviseConvention } from './revise-convention.handler.js';

const revisionSchema = z
  .object({
    eventId: z.string().optional(),
    fromYear: year,
    ...amounts,
    reason: freeText('Motif de la révision', { max: 500, required: 'Motif obligatoire.' }),
    agreedBy: agreedBySchema,
  })
  .strict();

@ApiTags('flux')
@Controller(`v1/conventions/${CONVENTION_PATH}/revisions`)
export class ReviseConventionController {
  constructor(private readonly commandBus: CommandBus) {}

  @Access({ roles: ['bailleur', 'reservataire', 'admin'], tenancy: EXISTING_CONVENTION })
  @JsonBody()
  @Post()
  @HttpCode(201)
  @Contract({
    summary: 'Réviser une convention à partir d’une année (clause de revoyure) : un nouvel événement, jamais une modification',
    answer: 'write',
    body: { schema: revisionSchema, example: { fromYear: 2027, annualVolume: 90, reason: 'Clause de revoyure 2026' } },
    errors: ['CONVENTION_NOT_FOUND', 'CONVENTION_TERMS_INVALID', 'AGREEMENT_NOT_YOURS'],
  })
  async revise(
    @Param() params: Record<string, string>,
    @Body() body: unknown,
    @Headers('idempotency-key') key: string | undefined,
    @Writer() writer: Writer,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) response: FastifyReply,
  ): Promise<WriteAnswer> {
    const convention = parseOrThrow(conventionPathSchema, params);
    const { eventId: given, agreedBy, ...input } = parseOrThrow(revisionSchema, body);
    const revision = { conventionId: convention.conventionId, ...input, agreedBy: agreementOf(principal, agreedBy) };
    const context = apiWriteContext(eventIdFrom(given, key, 'fresh'), writer);
    const outcome = await this.commandBus.execute<ReviseConvention, CommandOutcome>(
      new ReviseConvention(convention, revision, context),
    );
    return answerWrite(response, outcome);
  }
}
