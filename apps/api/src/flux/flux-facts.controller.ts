import { Body, Controller, Headers, HttpCode, Inject, Post } from '@nestjs/common';
import { JsonBody } from '../http/body.js';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import {
  EXCLUSION_REASONS,
  fluxDecider,
  fluxStreamId,
  reservationDecider,
  reservationStreamId,
  type FluxCommand,
} from '@vigie/domain';
import { jsonEqual, loadAggregate } from '@vigie/event-store';
import { ProblemError } from '../http/problem.js';
import { parseOrThrow } from '../http/validation.js';
import { identifier, isoDate } from '../leases/record-signed-lease/record-signed-lease.schema.js';
import { RUNTIME, type Runtime } from '../runtime/runtime.js';
import { DecisionsService } from '../shared/decisions.service.js';
import { apiWriteContext, Writer, eventIdFrom } from '../shared/write-context.js';
import { Access } from '../access/access.decorators.js';
import { CLAIMED_BY_BODY_BAILLEUR } from '../access/tenancies.js';
import { freeText } from '../http/free-text.js';

const rpls = z.string().regex(/^[A-Za-z0-9]{1,20}$/, 'Identifiant RPLS : 1 à 20 lettres ou chiffres.');
const base = { eventId: z.string().optional(), bailleurId: identifier('Identifiant du bailleur'), rplsId: rpls };

const releaseSchema = z
  .object({
    ...base,
    departement: z.string().regex(/^(\d{2,3}|2[AB])$/, 'Code de département attendu (ex. 59).'),
    releasedOn: isoDate,
    inNetBase: z.boolean(),
    exclusionReason: z.enum(EXCLUSION_REASONS).nullable().default(null),
  })
  .strict();
const orientationSchema = z
  .object({ ...base, conventionId: identifier('Identifiant de la convention'), orientedOn: isoDate })
  .strict();
const returnSchema = z
  .object({
    ...base,
    conventionId: identifier('Identifiant de la convention'),
    returnedOn: isoDate,
    reason: freeText('Motif du retour', { max: 500, required: 'Motif obligatoire.' }),
  })
  .strict();

/** Flux facts from bailleurs: flats released, oriented to a réservataire's convention, returned. */
@ApiTags('flux')
@Controller('v1/flux')
export class FluxFactsController {
  constructor(
    private readonly decisions: DecisionsService,
    @Inject(RUNTIME) private readonly runtime: Runtime,
  ) {}

  private decide(command: FluxCommand, year: number, eventId: string, writer: Writer, type: string) {
    const { eventId: _omit, ...data } = command.data as typeof command.data & { eventId?: string };
    return this.decisions.decide({
      streamId: fluxStreamId(command.data.bailleurId, year),
      decider: fluxDecider,
      context: apiWriteContext(eventId, writer),
      isRetryOf: (previous) => previous.type === type && jsonEqual(previous.data, data),
      command: () => ({ ...command, data }) as FluxCommand,
    });
  }

  /** The convention must exist and be between this bailleur and a réservataire. */
  private async convention(conventionId: string, bailleurId: string) {
    const { state } = await loadAggregate(this.runtime.store, reservationStreamId(conventionId), reservationDecider);
    if (!state.terms || state.terms.bailleurId !== bailleurId) {
      throw new ProblemError(404, 'CONVENTION_NOT_FOUND', 'Aucune convention de ce bailleur ne porte cet identifiant.', {
        conventionId,
      });
    }
    return state.terms;
  }

  @Access({ roles: ['bailleur', 'admin'], tenancy: CLAIMED_BY_BODY_BAILLEUR })
  @JsonBody()
  @Post('releases')
  @HttpCode(201)
  @ApiOperation({ summary: 'A flat becomes vacant (FlatReleased): in the net base, or out of it with the reason' })
  release(@Body() body: unknown, @Headers('idempotency-key') key: string | undefined, @Writer() writer: Writer) {
    const input = parseOrThrow(releaseSchema, body);
    const eventId = eventIdFrom(input.eventId, key, true);
    return this.decide(
      { type: 'ReleaseFlat', data: input },
      Number(input.releasedOn.slice(0, 4)),
      eventId,
      writer,
      'FlatReleased',
    );
  }

  @Access({ roles: ['bailleur', 'admin'], tenancy: CLAIMED_BY_BODY_BAILLEUR })
  @JsonBody()
  @Post('orientations')
  @HttpCode(201)
  @ApiOperation({ summary: 'A released flat is oriented to a réservataire’s convention (FlatOrientedToReservataire)' })
  async orient(@Body() body: unknown, @Headers('idempotency-key') key: string | undefined, @Writer() writer: Writer) {
    const input = parseOrThrow(orientationSchema, body);
    const eventId = eventIdFrom(input.eventId, key, true);
    const terms = await this.convention(input.conventionId, input.bailleurId);
    return this.decide(
      { type: 'OrientFlat', data: { ...input, reservataireId: terms.reservataireId } },
      Number(input.orientedOn.slice(0, 4)),
      eventId,
      writer,
      'FlatOrientedToReservataire',
    );
  }

  @Access({ roles: ['bailleur', 'admin'], tenancy: CLAIMED_BY_BODY_BAILLEUR })
  @JsonBody()
  @Post('returns')
  @HttpCode(201)
  @ApiOperation({
    summary: 'The réservataire proposed no one in time: the flat returns to the bailleur (FlatReturnedToBailleur)',
  })
  async giveBack(@Body() body: unknown, @Headers('idempotency-key') key: string | undefined, @Writer() writer: Writer) {
    const input = parseOrThrow(returnSchema, body);
    const eventId = eventIdFrom(input.eventId, key, true);
    await this.convention(input.conventionId, input.bailleurId);
    return this.decide(
      { type: 'ReturnFlat', data: input },
      Number(input.returnedOn.slice(0, 4)),
      eventId,
      writer,
      'FlatReturnedToBailleur',
    );
  }
}
