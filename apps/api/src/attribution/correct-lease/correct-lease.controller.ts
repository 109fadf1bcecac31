import { CLOCK, type Clock } from '../../platform/platform.module.js';
import { Contract } from '../../http/contract.js';
import { JsonBody } from '../../http/body.js';
import { Body, Controller, Inject, Headers, HttpCode, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { freeText } from '../../http/free-text.js';
import { Pseudonymiser } from '@vigie/access';
import type { CommandOutcome } from '@vigie/event-store';
import { Access } from '../../access/access.decorators.js';
import { CASE_OF_CORRECTION } from '../../access/tenancies.js';
import { invalidField } from '../../http/problem.js';
import { parseOrThrow } from '../../http/validation.js';
import { answerWrite, apiWriteContext, eventIdFrom, type WriteAnswer, Writer } from '../../http/write.js';
import { LEASE_EXAMPLE, recordSignedLeaseSchema, toLeaseSignedData } from '../record-signed-lease/record-signed-lease.schema.js';
import { CorrectLease } from './correct-lease.handler.js';

const correctLeaseSchema = z
  .object({
    eventId: z.string().optional(),
    reason: freeText('Motif de la correction', { max: 500, required: 'Motif obligatoire.' }),
    /** The whole corrected lease, as for POST /v1/leases (without its eventId). */
    lease: recordSignedLeaseSchema.omit({ eventId: true }),
  })
  .strict();

@ApiTags('facts from bailleurs')
@Controller('v1/leases/:leaseId/corrections')
export class CorrectLeaseController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly pseudonymiser: Pseudonymiser,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Access({ roles: ['bailleur', 'admin'], tenancy: CASE_OF_CORRECTION })
  @JsonBody()
  @Post()
  @HttpCode(201)
  @Contract({
    summary: 'Corriger un bail (LeaseCorrected, qui cite la version corrigée) : les chiffres suivent, rien n’est modifié',
    answer: 'write',
    body: {
      schema: correctLeaseSchema,
      example: {
        eventId: '7d4f3c1e-2b1a-4c5d-8e9f-0a1b2c3d4e5f',
        reason: 'Avis d’imposition rectifié',
        lease: LEASE_EXAMPLE,
      },
    },
    errors: [
      'BAILLEUR_NOT_REGISTERED',
      'RESERVATAIRE_NOT_REGISTERED',
      'EPCI_NOT_REGISTERED',
      'QPV_NOT_IN_COMMUNE',
      'LEASE_CORRECTION_EMPTY',
      'LEASE_PROBABLE_DUPLICATE',
      'CONCURRENT_MODIFICATION',
      'LEASE_DATE_IN_FUTURE',
      'COMMUNE_UNKNOWN',
      'COMMUNE_NOT_IN_EPCI',
      'QPV_UNKNOWN',
      'QPV_NOT_IN_FORCE',
    ],
  })
  async correct(
    @Param('leaseId') leaseId: string,
    @Body() body: unknown,
    @Headers('idempotency-key') key: string | undefined,
    @Writer() writer: Writer,
    @Res({ passthrough: true }) response: FastifyReply,
  ): Promise<WriteAnswer> {
    const input = parseOrThrow(correctLeaseSchema, body);
    if (input.lease.leaseId !== leaseId) {
      throw invalidField('lease.leaseId', 'INVALID_VALUE', 'La référence du bail doit être celle de l’adresse.');
    }
    const lease = toLeaseSignedData({ ...input.lease, eventId: undefined }, (nud) => this.pseudonymiser.pseudonymise(nud));
    const context = apiWriteContext(eventIdFrom(input.eventId, key, { writer, body }), writer);
    const outcome = await this.commandBus.execute<CorrectLease, CommandOutcome>(
      new CorrectLease(lease, input.reason, context, this.clock(), input.lease.confirmeDoublon),
    );
    return answerWrite(response, outcome);
  }
}
