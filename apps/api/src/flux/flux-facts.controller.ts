import { Body, Controller, Headers, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { communeInsee, departement, organisationId, referenceId, siren } from '../http/identifiers.js';
import {
  EXCLUSION_REASONS,
  conventionPerimeter,
  departementOfCommune,
  flatStreamId,
  fluxDecider,
  reservationDecider,
  reservationStreamId,
  type ConventionPerimeter,
  type ConventionRef,
  type FluxCommand,
} from '@vigie/domain';
import { jsonEqual, loadAggregate } from '@vigie/event-store';
import { notFound } from '../http/problem.js';
import { parseOrThrow } from '../http/validation.js';
import { isoDate } from '../leases/record-signed-lease/record-signed-lease.schema.js';
import { RUNTIME, type Runtime } from '../runtime/runtime.js';
import { DecisionsService } from '../shared/decisions.service.js';
import { apiWriteContext, Writer, eventIdFrom } from '../shared/write-context.js';
import { Access } from '../access/access.decorators.js';
import { CLAIMED_BY_BODY_BAILLEUR } from '../access/tenancies.js';

const rpls = z.string().regex(/^[A-Za-z0-9]{1,20}$/, 'Identifiant RPLS : 1 à 20 lettres ou chiffres.');
const base = { eventId: z.string().optional(), bailleurId: organisationId('Identifiant du bailleur'), rplsId: rpls };

const releaseSchema = z
  .object({
    ...base,
    departement,
    /** The flat's commune and EPCI: needed for it to count in a convention of communes or EPCIs. */
    communeInsee: communeInsee.optional(),
    epciSiren: siren('SIREN de l’EPCI').optional(),
    releasedOn: isoDate,
    inNetBase: z.boolean(),
    exclusionReason: z.enum(EXCLUSION_REASONS).nullable().default(null),
  })
  .strict()
  .refine((release) => !release.communeInsee || departementOfCommune(release.communeInsee) === release.departement, {
    path: ['communeInsee'],
    message: 'La commune n’est pas dans le département indiqué.',
  });
/** A convention's id lives in the namespace of its two parties: a flux fact names the réservataire too. */
const convention = {
  reservataireId: organisationId('Identifiant du réservataire'),
  conventionId: referenceId('Identifiant de la convention'),
};
const orientationSchema = z.object({ ...base, ...convention, orientedOn: isoDate }).strict();
const returnSchema = z
  .object({
    ...base,
    ...convention,
    returnedOn: isoDate,
    reason: z.string().min(1, 'Motif obligatoire.').max(500),
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

  /** A flux fact goes to its flat's stream, whatever its year: a flat's life may cross 31 December. */
  private decide(command: FluxCommand, eventId: string, writer: Writer, type: string) {
    const { eventId: _omit, ...data } = command.data as typeof command.data & { eventId?: string };
    return this.decisions.decide({
      streamId: flatStreamId(command.data.bailleurId, command.data.rplsId),
      decider: fluxDecider,
      context: apiWriteContext(eventId, writer),
      isRetryOf: (previous) => previous.type === type && jsonEqual(previous.data, data),
      command: () => ({ ...command, data }) as FluxCommand,
    });
  }

  /** The convention must exist between this bailleur and this réservataire (the same 404 otherwise, whoever asks): its perimeter. */
  private async convention(ref: ConventionRef): Promise<ConventionPerimeter> {
    const { state } = await loadAggregate(this.runtime.store, reservationStreamId(ref), reservationDecider);
    if (!state.terms) throw notFound('CONVENTION_NOT_FOUND');
    return conventionPerimeter(state.terms);
  }

  @Access({ roles: ['bailleur', 'admin'], tenancy: CLAIMED_BY_BODY_BAILLEUR })
  @Post('releases')
  @HttpCode(201)
  @ApiOperation({ summary: 'A flat becomes vacant (FlatReleased): in the net base, or out of it with the reason' })
  release(@Body() body: unknown, @Headers('idempotency-key') key: string | undefined, @Writer() writer: Writer) {
    const input = parseOrThrow(releaseSchema, body);
    const eventId = eventIdFrom(input.eventId, key, true);
    return this.decide({ type: 'ReleaseFlat', data: input }, eventId, writer, 'FlatReleased');
  }

  @Access({ roles: ['bailleur', 'admin'], tenancy: CLAIMED_BY_BODY_BAILLEUR })
  @Post('orientations')
  @HttpCode(201)
  @ApiOperation({ summary: 'A released flat is oriented to a réservataire’s convention (FlatOrientedToReservataire)' })
  async orient(@Body() body: unknown, @Headers('idempotency-key') key: string | undefined, @Writer() writer: Writer) {
    const input = parseOrThrow(orientationSchema, body);
    const eventId = eventIdFrom(input.eventId, key, true);
    const perimeter = await this.convention(input);
    return this.decide({ type: 'OrientFlat', data: input, perimeter }, eventId, writer, 'FlatOrientedToReservataire');
  }

  @Access({ roles: ['bailleur', 'admin'], tenancy: CLAIMED_BY_BODY_BAILLEUR })
  @Post('returns')
  @HttpCode(201)
  @ApiOperation({
    summary: 'The réservataire proposed no one in time: the flat returns to the bailleur (FlatReturnedToBailleur)',
  })
  async giveBack(@Body() body: unknown, @Headers('idempotency-key') key: string | undefined, @Writer() writer: Writer) {
    const input = parseOrThrow(returnSchema, body);
    const eventId = eventIdFrom(input.eventId, key, true);
    await this.convention(input);
    return this.decide({ type: 'ReturnFlat', data: input }, eventId, writer, 'FlatReturnedToBailleur');
  }
}
