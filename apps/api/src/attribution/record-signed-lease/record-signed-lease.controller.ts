import { CLOCK, type Clock } from '../../platform/platform.module.js';
import { Contract } from '../../http/contract.js';
import { Body, Controller, Inject, Headers, HttpCode, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { JsonBody } from '../../http/body.js';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Pseudonymiser } from '@vigie/access';
import type { CommandOutcome } from '@vigie/event-store';
import { Access } from '../../access/access.decorators.js';
import { CLAIMED_BY_BODY_BAILLEUR } from '../../access/tenancies.js';
import { parseOrThrow } from '../../http/validation.js';
import { answerWrite, apiWriteContext, eventIdFrom, type WriteAnswer, Writer } from '../../http/write.js';
import { RecordSignedLease } from './record-signed-lease.handler.js';
import { LEASE_EXAMPLE, recordSignedLeaseSchema, toLeaseSignedData } from './record-signed-lease.schema.js';

@ApiTags('facts from bailleurs')
@Controller('v1/leases')
export class RecordSignedLeaseController {
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
    summary: 'Enregistrer un bail signé (LeaseSigned), le fait qui compte dans les objectifs',
    answer: 'write',
    body: {
      schema: recordSignedLeaseSchema,
      example: {
        eventId: '7d4f3c1e-2b1a-4c5d-8e9f-0a1b2c3d4e5f',
        ...LEASE_EXAMPLE,
      },
    },
    errors: [
      'BAILLEUR_NOT_REGISTERED',
      'RESERVATAIRE_NOT_REGISTERED',
      'EPCI_NOT_REGISTERED',
      'QPV_NOT_IN_COMMUNE',
      'LEASE_ALREADY_SIGNED',
      'LEASE_PROBABLE_DUPLICATE',
      'LEASE_AFTER_DECLINED_OFFER',
      'CASE_MISMATCH',
      'CONCURRENT_MODIFICATION',
      'LEASE_DATE_IN_FUTURE',
      'COMMUNE_UNKNOWN',
      'COMMUNE_NOT_IN_EPCI',
      'QPV_UNKNOWN',
      'QPV_NOT_IN_FORCE',
    ],
  })
  async record(
    @Body() body: unknown,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Writer() writer: Writer,
    @Res({ passthrough: true }) response: FastifyReply,
  ): Promise<WriteAnswer> {
    const parsed = parseOrThrow(recordSignedLeaseSchema, body);
    const eventId = eventIdFrom(parsed.eventId, idempotencyKey, { writer, body });
    const lease = toLeaseSignedData(parsed, (nud) => this.pseudonymiser.pseudonymise(nud));
    const outcome = await this.commandBus.execute<RecordSignedLease, CommandOutcome>(
      new RecordSignedLease(lease, apiWriteContext(eventId, writer), this.clock(), parsed.confirmeDoublon),
    );
    return answerWrite(response, outcome);
  }
}
