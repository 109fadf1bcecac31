import { Contract } from '../../http/contract.js';
import { businessDateSchema } from '../../http/dates.js';
import { JsonBody } from '../../http/body.js';
import { Body, Controller, Headers, HttpCode, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import type { Principal } from '@vigie/access';
import { CONVENTION_GESTION_MODES, NO_COUNTING_OPTIONS } from '@vigie/domain';
import type { CommandOutcome } from '@vigie/event-store';
import { Access, CurrentPrincipal } from '../../access/access.decorators.js';
import { CLAIMED_BY_A_PARTY } from '../../access/tenancies.js';
import { communeInsee, departement, organisationId, referenceId, siren } from '../../http/identifiers.js';
import { parseOrThrow } from '../../http/validation.js';
import { answerWrite, apiWriteContext, eventIdFrom, type WriteAnswer, Writer } from '../../http/write.js';
import { agreedBySchema, agreementOf, amounts, year } from '../conventions/convention.schemas.js';
import { SignConvention } from './sign-convention.handler.js';

const conventionSchema = z
  .object({
    eventId: z.string().optional(),
    conventionId: referenceId('Identifiant de la convention'),
    bailleurId: organisationId('Identifiant du bailleur'),
    reservataireId: organisationId('Identifiant du réservataire'),
    departement,
    /** Communes or EPCIs of the département the convention covers; absent: the whole département. */
    perimeter: z
      .object({
        communes: z.array(communeInsee).min(1).max(1_000).optional(),
        epcis: z.array(siren('SIREN de l’EPCI')).min(1).max(100).optional(),
      })
      .strict()
      .optional(),
    period: z.object({ startYear: year, endYear: year }).strict(),
    ...amounts,
    gestionMode: z.enum(CONVENTION_GESTION_MODES),
    countingOptions: z
      .object({
        postCalRefusals: z.object({ enabled: z.boolean(), weight: z.number().min(0).max(1) }).strict(),
        interBailleurMobility: z.boolean(),
        aPosterioriValidation: z.boolean(),
      })
      .partial()
      .strict()
      .default({}),
    signedOn: businessDateSchema,
    /** Admin only: the parties whose agreement it records (default both); a party's key records its own. */
    agreedBy: agreedBySchema,
  })
  .strict();

@ApiTags('flux')
@Controller('v1/conventions')
export class SignConventionController {
  constructor(private readonly commandBus: CommandBus) {}

  @Access({ roles: ['bailleur', 'reservataire', 'admin'], tenancy: CLAIMED_BY_A_PARTY })
  @JsonBody()
  @Post()
  @HttpCode(201)
  @Contract({
    summary:
      'Enregistrer une convention de réservation (bailleur × réservataire × département) : part du flux ou volume annuel, période, mode de gestion, options',
    answer: 'write',
    body: {
      schema: conventionSchema,
      example: {
        conventionId: 'ALS-LMH-59',
        bailleurId: 'lmh',
        reservataireId: 'action-logement',
        departement: '59',
        period: { startYear: 2026, endYear: 2028 },
        fluxShare: 0.25,
        gestionMode: 'directe',
        countingOptions: { postCalRefusals: { enabled: true, weight: 0.5 } },
        signedOn: '2025-12-01',
      },
    },
    errors: [
      'BAILLEUR_NOT_REGISTERED',
      'RESERVATAIRE_NOT_REGISTERED',
      'CONVENTION_ALREADY_SIGNED',
      'CONVENTION_TERMS_INVALID',
      'AGREEMENT_NOT_YOURS',
    ],
  })
  async sign(
    @Body() body: unknown,
    @Headers('idempotency-key') key: string | undefined,
    @Writer() writer: Writer,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) response: FastifyReply,
  ): Promise<WriteAnswer> {
    const { eventId: given, countingOptions, agreedBy, ...input } = parseOrThrow(conventionSchema, body);
    const terms = {
      ...input,
      agreedBy: agreementOf(principal, agreedBy),
      countingOptions: {
        ...NO_COUNTING_OPTIONS,
        ...countingOptions,
        postCalRefusals: { ...NO_COUNTING_OPTIONS.postCalRefusals, ...countingOptions.postCalRefusals },
      },
    };
    const context = apiWriteContext(eventIdFrom(given, key, 'fresh'), writer);
    const outcome = await this.commandBus.execute<SignConvention, CommandOutcome>(new SignConvention(terms, context));
    return answerWrite(response, outcome);
  }
}
