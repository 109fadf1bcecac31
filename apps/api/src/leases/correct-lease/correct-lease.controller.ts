import { Body, Controller, Headers, HttpCode, Inject, Param, Post, Res } from '@nestjs/common';
import { RUNTIME, type Runtime } from '../../runtime/runtime.js';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { z } from 'zod';
import { attributionDecider, attributionStreamId } from '@vigie/domain';
import { jsonEqual } from '@vigie/event-store';
import { invalidField } from '../../http/problem.js';
import { parseOrThrow } from '../../http/validation.js';
import { DecisionsService } from '../../shared/decisions.service.js';
import { apiWriteContext, Writer, eventIdFrom } from '../../shared/write-context.js';
import { LeaseReferentialService } from '../lease-referential.service.js';
import { currentLeaseEventId } from '../lease-stream.js';
import { recordSignedLeaseSchema, toLeaseSignedData } from '../record-signed-lease/record-signed-lease.schema.js';
import { Access } from '../../access/access.decorators.js';
import { CASE_OF_CORRECTION } from '../../access/tenancies.js';

const correctLeaseSchema = z
  .object({
    eventId: z.string().optional(),
    reason: z.string().min(1, 'Motif obligatoire.').max(500),
    /** The whole corrected lease, as for POST /v1/leases (without its eventId). */
    lease: recordSignedLeaseSchema.omit({ eventId: true }),
  })
  .strict();

@ApiTags('facts from bailleurs')
@Controller('v1/leases/:leaseId/corrections')
export class CorrectLeaseController {
  constructor(
    private readonly decisions: DecisionsService,
    private readonly referential: LeaseReferentialService,
    @Inject(RUNTIME) private readonly runtime: Runtime,
  ) {}

  @Access({ roles: ['bailleur', 'admin'], tenancy: CASE_OF_CORRECTION })
  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary: 'Correct a lease (LeaseCorrected, citing the version it fixes): the figures follow, nothing is edited',
  })
  async correct(
    @Param('leaseId') leaseId: string,
    @Body() body: unknown,
    @Headers('idempotency-key') key: string | undefined,
    @Writer() writer: Writer,
    @Res({ passthrough: true }) response: Response,
  ) {
    const input = parseOrThrow(correctLeaseSchema, body);
    if (input.lease.leaseId !== leaseId) {
      throw invalidField('lease.leaseId', 'INVALID_VALUE', 'La référence du bail doit être celle de l’adresse.');
    }
    const lease = toLeaseSignedData({ ...input.lease, eventId: undefined }, (nud) =>
      this.runtime.pseudonymiser.pseudonymise(nud),
    );
    const eventId = eventIdFrom(input.eventId, key, true);
    const result = await this.decisions.decide({
      streamId: attributionStreamId(lease.bailleurId, lease.caseId),
      decider: attributionDecider,
      context: apiWriteContext(eventId, writer),
      isRetryOf: (previous) =>
        previous.type === 'LeaseCorrected' && jsonEqual((previous.data as { lease: unknown }).lease, lease),
      command: async (_state, stream) => ({
        type: 'CorrectLease' as const,
        data: { lease, reason: input.reason },
        referential: await this.referential.contextFor(lease),
        currentEventId: currentLeaseEventId(stream),
        now: this.runtime.clock(),
      }),
    });
    if (result.alreadyRecorded) response.status(200);
    return result;
  }
}
