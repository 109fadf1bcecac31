import { Body, Controller, Headers, HttpCode, Param, Post, Res } from '@nestjs/common';
import { businessDateSchema } from '../../http/dates.js';
import { CommandBus } from '@nestjs/cqrs';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import type { CommandOutcome } from '@vigie/event-store';
import { Access } from '../../access/access.decorators.js';
import { EXISTING_CONVENTION } from '../../access/tenancies.js';
import { JsonBody } from '../../http/body.js';
import { Contract } from '../../http/contract.js';
import { communeInsee, referenceId, siren } from '../../http/identifiers.js';
import { parseOrThrow } from '../../http/validation.js';
import { answerWrite, apiWriteContext, eventIdFrom, type WriteAnswer, Writer } from '../../http/write.js';
import { CONVENTION_PATH, conventionPathSchema } from '../conventions/convention.schemas.js';
import { ValidateHousing } from './validate-housing.handler.js';

const validationSchema = z
  .object({
    eventId: z.string().optional(),
    leaseId: referenceId('Identifiant du bail'),
    rplsId: z.string().regex(/^[A-Za-z0-9]{1,20}$/, 'Identifiant RPLS : 1 à 20 lettres ou chiffres.'),
    communeInsee,
    epciSiren: siren('SIREN de l’EPCI'),
    validatedOn: businessDateSchema,
  })
  .strict();

@ApiTags('flux')
@Controller(`v1/conventions/${CONVENTION_PATH}/validations`)
export class ValidateHousingController {
  constructor(private readonly commandBus: CommandBus) {}

  @Access({ roles: ['reservataire', 'admin'], tenancy: EXISTING_CONVENTION })
  @JsonBody()
  @Post()
  @HttpCode(201)
  @Contract({
    summary:
      'Le réservataire valide a posteriori un ménage logé par le bailleur faute de proposition (APosterioriValidationRecorded) : décompté si la convention l’active',
    answer: 'write',
    body: {
      schema: validationSchema,
      example: {
        eventId: '7d4f3c1e-2b1a-4c5d-8e9f-0a1b2c3d4e5f',
        leaseId: 'BAIL-2026-0001',
        rplsId: '5935000001',
        communeInsee: '59350',
        epciSiren: '200093201',
        validatedOn: '2026-04-02',
      },
    },
    errors: ['VALIDATION_ALREADY_RECORDED'],
  })
  async validate(
    @Param() params: Record<string, string>,
    @Body() body: unknown,
    @Headers('idempotency-key') key: string | undefined,
    @Writer() writer: Writer,
    @Res({ passthrough: true }) response: FastifyReply,
  ): Promise<WriteAnswer> {
    const convention = parseOrThrow(conventionPathSchema, params);
    const { eventId: given, ...input } = parseOrThrow(validationSchema, body);
    const validation = { conventionId: convention.conventionId, bailleurId: convention.bailleurId, ...input };
    const context = apiWriteContext(eventIdFrom(given, key, 'fresh'), writer);
    const outcome = await this.commandBus.execute<ValidateHousing, CommandOutcome>(
      new ValidateHousing(convention, validation, context),
    );
    return answerWrite(response, outcome);
  }
}
