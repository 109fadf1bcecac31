import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import { JsonBody } from '../http/body.js';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { z } from 'zod';
import {
  CONVENTION_GESTION_MODES,
  CONVENTION_PARTIES,
  conventionAgreed,
  type ConventionParty,
  NO_COUNTING_OPTIONS,
  pendingAgreements,
  type ReservationCommand,
  reservationDecider,
  type ReservationEvent,
  reservationStreamId,
  termsForYear,
} from '@vigie/domain';
import { jsonEqual, loadAggregate } from '@vigie/event-store';
import { sendCsv, toCsv, wantsCsv } from '../http/csv.js';
import { yearParam } from '../http/params.js';
import { invalidField, notFound, problemOf } from '../http/problem.js';
import { type Principal, shareConventionFlux } from '@vigie/access';
import { readConventionFlux, readFreshness } from '@vigie/projections';
import { parseOrThrow } from '../http/validation.js';
import { identifier, isoDate } from '../leases/record-signed-lease/record-signed-lease.schema.js';
import { RUNTIME, type Runtime } from '../runtime/runtime.js';
import { DecisionsService } from '../shared/decisions.service.js';
import { apiWriteContext, Writer, eventIdFrom } from '../shared/write-context.js';
import { Access, CurrentPrincipal } from '../access/access.decorators.js';
import { CLAIMED_BY_A_PARTY, existingConvention } from '../access/tenancies.js';
import { freeText } from '../http/free-text.js';

const year = z.number().int().min(2000).max(2100);
const agreedBySchema = z.array(z.enum(CONVENTION_PARTIES)).min(1).max(2).optional();

const agreementSchema = z
  .object({
    eventId: z.string().optional(),
    /** The revision agreed to (its first year), or null / absent for the convention itself. */
    revisionFromYear: year.nullable().default(null),
    agreedOn: isoDate,
    /** Admin only: the party whose agreement it records. */
    party: z.enum(CONVENTION_PARTIES).optional(),
  })
  .strict();

/**
 * The parties whose agreement a write records: a bailleur's or réservataire's key gives its own
 * organisation's (and only that); an admin records what it is told (a convention signed on paper:
 * both, by default).
 */
function agreementOf(principal: Principal, asked: readonly ConventionParty[] | undefined): ConventionParty[] {
  if (principal.role === 'admin') return [...new Set(asked ?? CONVENTION_PARTIES)];
  const own = principal.role as ConventionParty;
  if (asked && asked.some((party) => party !== own)) {
    throw problemOf('AGREEMENT_NOT_YOURS');
  }
  return [own];
}
const amounts = {
  fluxShare: z
    .number()
    .gt(0, 'Part du flux strictement positive.')
    .max(1, 'Part du flux au plus 1 (100 %).')
    .nullable()
    .default(null),
  annualVolume: z.number().int().positive('Volume annuel strictement positif.').max(1_000_000).nullable().default(null),
};

const conventionSchema = z
  .object({
    eventId: z.string().optional(),
    conventionId: identifier('Identifiant de la convention'),
    bailleurId: identifier('Identifiant du bailleur'),
    reservataireId: identifier('Identifiant du réservataire'),
    departement: z.string().regex(/^(\d{2,3}|2[AB])$/, 'Code de département attendu (ex. 59).'),
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
    signedOn: isoDate,
    /** Admin only: the parties whose agreement it records (default both); a party's key records its own. */
    agreedBy: agreedBySchema,
  })
  .strict();

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
@Controller('v1/conventions')
export class ConventionsController {
  constructor(
    private readonly decisions: DecisionsService,
    @Inject(RUNTIME) private readonly runtime: Runtime,
  ) {}

  /** Decides a command on the convention's stream; a retry is the same event type with the same data. */
  private decide(
    conventionId: string,
    eventType: ReservationEvent['type'],
    command: ReservationCommand,
    eventId: string | undefined,
    idempotencyKey: string | undefined,
    writer: Writer,
  ) {
    return this.decisions.decide({
      streamId: reservationStreamId(conventionId),
      decider: reservationDecider,
      context: apiWriteContext(eventIdFrom(eventId, idempotencyKey, false), writer),
      isRetryOf: (previous) => previous.type === eventType && jsonEqual(previous.data, command.data),
      command: () => command,
    });
  }

  @Access({ roles: ['bailleur', 'reservataire', 'admin'], tenancy: CLAIMED_BY_A_PARTY })
  @JsonBody()
  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary:
      'Record a reservation convention (bailleur × réservataire × département): flux share or annual volume, period, gestion mode, counting options',
  })
  async sign(
    @Body() body: unknown,
    @Headers('idempotency-key') key: string | undefined,
    @Writer() writer: Writer,
    @CurrentPrincipal() principal: Principal,
  ) {
    const { eventId: given, countingOptions, agreedBy, ...input } = parseOrThrow(conventionSchema, body);
    const data = {
      ...input,
      agreedBy: agreementOf(principal, agreedBy),
      countingOptions: {
        ...NO_COUNTING_OPTIONS,
        ...countingOptions,
        postCalRefusals: { ...NO_COUNTING_OPTIONS.postCalRefusals, ...countingOptions.postCalRefusals },
      },
    };
    return this.decide(data.conventionId, 'ReservationConventionSigned', { type: 'SignConvention', data }, given, key, writer);
  }

  @Access({ roles: ['bailleur', 'reservataire', 'admin'], tenancy: existingConvention('conventionId') })
  @JsonBody()
  @Post(':conventionId/revisions')
  @HttpCode(201)
  @ApiOperation({ summary: 'Revise a convention from a year on (clause de revoyure): a new event, never an edit' })
  async revise(
    @Param('conventionId') conventionId: string,
    @Body() body: unknown,
    @Headers('idempotency-key') key: string | undefined,
    @Writer() writer: Writer,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) response: Response,
  ) {
    const id = parseOrThrow(identifier('Identifiant de la convention'), conventionId);
    const { eventId: given, agreedBy, ...input } = parseOrThrow(revisionSchema, body);
    const data = { conventionId: id, ...input, agreedBy: agreementOf(principal, agreedBy) };
    const result = await this.decide(id, 'ConventionRevised', { type: 'ReviseConvention', data }, given, key, writer);
    if (result.alreadyRecorded) response.status(200);
    return result;
  }

  @Access({ roles: ['bailleur', 'reservataire', 'admin'], tenancy: existingConvention('conventionId') })
  @JsonBody()
  @Post(':conventionId/agreements')
  @HttpCode(201)
  @ApiOperation({
    summary:
      'The other party agrees to the convention or to one of its revisions (ConventionAgreed): terms and revisions bind once both parties agreed',
  })
  async agree(
    @Param('conventionId') conventionId: string,
    @Body() body: unknown,
    @Headers('idempotency-key') key: string | undefined,
    @Writer() writer: Writer,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) response: Response,
  ) {
    const id = parseOrThrow(identifier('Identifiant de la convention'), conventionId);
    const { eventId: given, party: asked, ...input } = parseOrThrow(agreementSchema, body);
    if (principal.role === 'admin' && !asked) {
      throw invalidField('party', 'REQUIRED', 'Partie obligatoire pour un administrateur : bailleur ou reservataire.');
    }
    const [party] = agreementOf(principal, asked ? [asked] : undefined);
    const data = { conventionId: id, party: party!, ...input };
    const result = await this.decide(id, 'ConventionAgreed', { type: 'AgreeConvention', data }, given, key, writer);
    if (result.alreadyRecorded) response.status(200);
    return result;
  }

  @Access({ roles: ['bailleur', 'reservataire', 'etat', 'admin'], tenancy: existingConvention('conventionId') })
  @Get(':conventionId')
  @ApiOperation({
    summary: 'A convention as signed, its revisions, and the share or volume in force for each year of its period',
  })
  async get(@Param('conventionId') conventionId: string) {
    const id = parseOrThrow(identifier('Identifiant de la convention'), conventionId);
    const { state, version } = await loadAggregate(this.runtime.store, reservationStreamId(id), reservationDecider);
    if (!state.terms) throw notFound('CONVENTION_NOT_FOUND');
    const years = [];
    for (let y = state.terms.period.startYear; y <= state.terms.period.endYear; y += 1)
      years.push({ year: y, ...termsForYear(state, y) });
    return {
      ...state.terms,
      revisions: state.revisions,
      inForce: years,
      agreement: { agreedBy: state.agreedBy, complete: conventionAgreed(state), pending: pendingAgreements(state) },
      streamVersion: version,
    };
  }

  @Access({ roles: ['bailleur', 'reservataire', 'etat', 'admin'], tenancy: existingConvention('conventionId') })
  @Get(':conventionId/flux')
  @ApiOperation({
    summary:
      'Flux realised for a convention in a year: net base, flats oriented and returned, leases counted (bail signé) and each counting option in its own column, realised vs convention share, pro-rata target to date',
  })
  async flux(
    @Param('conventionId') conventionId: string,
    @Query('year') yearQuery: string | undefined,
    @CurrentPrincipal() principal: Principal,
    @Req() request: Request,
    @Res() response: Response,
  ) {
    const id = parseOrThrow(identifier('Identifiant de la convention'), conventionId);
    const year = parseOrThrow(yearParam, yearQuery);
    const [read, freshness] = await Promise.all([
      readConventionFlux(this.runtime.pool, this.runtime.store, id, year, new Date().toISOString().slice(0, 10)),
      readFreshness(this.runtime.pool, 'compliance'),
    ]);
    if (!read) throw notFound('CONVENTION_NOT_FOUND');
    const { terms, agreement } = read;
    // The État's services see a convention of their département that is not the préfet's under statistical secrecy.
    const figures =
      principal.role === 'etat' && read.figures.contingent === null
        ? shareConventionFlux(read.figures, this.runtime.config.STATISTICAL_SECRECY_THRESHOLD)
        : read.figures;
    if (!wantsCsv(request)) {
      response.status(200).json({
        ...figures,
        agreement,
        reservataireId: terms.reservataireId,
        bailleurId: terms.bailleurId,
        departement: terms.departement,
        freshness,
      });
      return;
    }
    const c = figures.counted;
    sendCsv(
      response,
      `flux-${id}-${year}.csv`,
      toCsv(
        [
          'Convention',
          'Année',
          'Assiette nette',
          'Logements orientés',
          'Logements rendus',
          'Baux signés',
          'Mobilité inter-bailleurs',
          'Refus après CAL (pondérés)',
          'Validation a posteriori',
          'Total décompté',
          'Objectif',
          'Part de la convention (%)',
          'Part réalisée (%)',
          'Objectif au prorata',
        ],
        [
          [
            id,
            year,
            figures.netBase,
            figures.oriented,
            figures.returned,
            c.bailSigne,
            c.interBailleurMobility,
            c.postCalRefusals,
            c.aPosterioriValidation,
            c.total,
            figures.target,
            figures.conventionShare === null ? null : figures.conventionShare * 100,
            figures.realisedShare === null ? null : Math.round(figures.realisedShare * 1000) / 10,
            Math.round(figures.proRataTargetToDate * 10) / 10,
          ],
        ],
      ),
    );
  }
}
