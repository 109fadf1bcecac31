import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { communeInsee, departement, organisationId, referenceId, siren } from '../http/identifiers.js';
import { stockConversionSchema } from './stock-conversion.controller.js';
import {
  CONVENTION_GESTION_MODES,
  CONVENTION_PARTIES,
  type ConventionRef,
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
import { isoDate } from '../leases/record-signed-lease/record-signed-lease.schema.js';
import { RUNTIME, type Runtime } from '../runtime/runtime.js';
import { DecisionsService } from '../shared/decisions.service.js';
import { apiWriteContext, Writer, eventIdFrom } from '../shared/write-context.js';
import { Access, CurrentPrincipal } from '../access/access.decorators.js';
import { CLAIMED_BY_A_PARTY, EXISTING_CONVENTION } from '../access/tenancies.js';

const year = z.number().int().min(2000).max(2100);

/** A convention's id lives in the namespace of its two parties: its path names all three. */
const CONVENTION_PATH = ':bailleurId/:reservataireId/:conventionId';
const conventionPathSchema = z.object({
  bailleurId: organisationId('Identifiant du bailleur'),
  reservataireId: organisationId('Identifiant du réservataire'),
  conventionId: referenceId('Identifiant de la convention'),
});
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
    signedOn: isoDate,
    /** Admin only: the parties whose agreement it records (default both); a party's key records its own. */
    agreedBy: agreedBySchema,
  })
  .strict();

/** The conversion the parties adopt: the calculator's input (POST /v1/stock-conversions), and when. */
const stockConversionRecordSchema = z
  .object({
    eventId: z.string().optional(),
    adoptedOn: isoDate,
    conversion: stockConversionSchema,
    agreedBy: agreedBySchema,
  })
  .strict();

const validationSchema = z
  .object({
    eventId: z.string().optional(),
    leaseId: referenceId('Identifiant du bail'),
    rplsId: z.string().regex(/^[A-Za-z0-9]{1,20}$/, 'Identifiant RPLS : 1 à 20 lettres ou chiffres.'),
    communeInsee,
    epciSiren: siren('SIREN de l’EPCI'),
    validatedOn: isoDate,
  })
  .strict();

const revisionSchema = z
  .object({
    eventId: z.string().optional(),
    fromYear: year,
    ...amounts,
    reason: z.string().min(1, 'Motif obligatoire.').max(500),
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
    convention: ConventionRef,
    eventType: ReservationEvent['type'],
    command: ReservationCommand,
    eventId: string | undefined,
    idempotencyKey: string | undefined,
    writer: Writer,
  ) {
    return this.decisions.decide({
      streamId: reservationStreamId(convention),
      decider: reservationDecider,
      context: apiWriteContext(eventIdFrom(eventId, idempotencyKey, false), writer),
      isRetryOf: (previous) => previous.type === eventType && jsonEqual(previous.data, command.data),
      command: () => command,
    });
  }

  @Access({ roles: ['bailleur', 'reservataire', 'admin'], tenancy: CLAIMED_BY_A_PARTY })
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
    return this.decide(data, 'ReservationConventionSigned', { type: 'SignConvention', data }, given, key, writer);
  }

  @Access({ roles: ['bailleur', 'reservataire', 'admin'], tenancy: EXISTING_CONVENTION })
  @Post(`${CONVENTION_PATH}/revisions`)
  @HttpCode(201)
  @ApiOperation({ summary: 'Revise a convention from a year on (clause de revoyure): a new event, never an edit' })
  async revise(
    @Param() params: Record<string, string>,
    @Body() body: unknown,
    @Headers('idempotency-key') key: string | undefined,
    @Writer() writer: Writer,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) response: Response,
  ) {
    const ref = parseOrThrow(conventionPathSchema, params);
    const { eventId: given, agreedBy, ...input } = parseOrThrow(revisionSchema, body);
    const data = { conventionId: ref.conventionId, ...input, agreedBy: agreementOf(principal, agreedBy) };
    const result = await this.decide(ref, 'ConventionRevised', { type: 'ReviseConvention', data }, given, key, writer);
    if (result.alreadyRecorded) response.status(200);
    return result;
  }

  @Access({ roles: ['bailleur', 'reservataire', 'admin'], tenancy: EXISTING_CONVENTION })
  @Post(`${CONVENTION_PATH}/agreements`)
  @HttpCode(201)
  @ApiOperation({
    summary:
      'The other party agrees to the convention or to one of its revisions (ConventionAgreed): terms and revisions bind once both parties agreed',
  })
  async agree(
    @Param() params: Record<string, string>,
    @Body() body: unknown,
    @Headers('idempotency-key') key: string | undefined,
    @Writer() writer: Writer,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) response: Response,
  ) {
    const ref = parseOrThrow(conventionPathSchema, params);
    const { eventId: given, party: asked, ...input } = parseOrThrow(agreementSchema, body);
    if (principal.role === 'admin' && !asked) {
      throw invalidField('party', 'REQUIRED', 'Partie obligatoire pour un administrateur : bailleur ou reservataire.');
    }
    const [party] = agreementOf(principal, asked ? [asked] : undefined);
    const data = { conventionId: ref.conventionId, party: party!, ...input };
    const result = await this.decide(ref, 'ConventionAgreed', { type: 'AgreeConvention', data }, given, key, writer);
    if (result.alreadyRecorded) response.status(200);
    return result;
  }

  @Access({ roles: ['bailleur', 'reservataire', 'admin'], tenancy: EXISTING_CONVENTION })
  @Post(`${CONVENTION_PATH}/stock-conversions`)
  @HttpCode(201)
  @ApiOperation({
    summary:
      'The parties adopt a stock → flux conversion for the convention (StockConverted): its inputs and the rehousings owed each year, computed and kept',
  })
  async convertStock(
    @Param() params: Record<string, string>,
    @Body() body: unknown,
    @Headers('idempotency-key') key: string | undefined,
    @Writer() writer: Writer,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) response: Response,
  ) {
    const ref = parseOrThrow(conventionPathSchema, params);
    const { eventId: given, agreedBy, conversion, adoptedOn } = parseOrThrow(stockConversionRecordSchema, body);
    const data = { conventionId: ref.conventionId, input: conversion, adoptedOn, agreedBy: agreementOf(principal, agreedBy) };
    const result = await this.decisions.decide({
      streamId: reservationStreamId(ref),
      decider: reservationDecider,
      context: apiWriteContext(eventIdFrom(given, key, false), writer),
      isRetryOf: (previous) =>
        previous.type === 'StockConverted' && jsonEqual((previous.data as { input: unknown }).input, data.input),
      command: () => ({ type: 'RecordStockConversion' as const, data }),
    });
    if (result.alreadyRecorded) response.status(200);
    return result;
  }

  @Access({ roles: ['reservataire', 'admin'], tenancy: EXISTING_CONVENTION })
  @Post(`${CONVENTION_PATH}/validations`)
  @HttpCode(201)
  @ApiOperation({
    summary:
      'The réservataire validates a posteriori a household the bailleur housed when it proposed no one (APosterioriValidationRecorded): counted when the convention switches the option on',
  })
  async validate(
    @Param() params: Record<string, string>,
    @Body() body: unknown,
    @Headers('idempotency-key') key: string | undefined,
    @Writer() writer: Writer,
    @Res({ passthrough: true }) response: Response,
  ) {
    const ref = parseOrThrow(conventionPathSchema, params);
    const { eventId: given, ...input } = parseOrThrow(validationSchema, body);
    const data = { conventionId: ref.conventionId, bailleurId: ref.bailleurId, ...input };
    const result = await this.decide(
      ref,
      'APosterioriValidationRecorded',
      { type: 'RecordAPosterioriValidation', data },
      given,
      key,
      writer,
    );
    if (result.alreadyRecorded) response.status(200);
    return result;
  }

  @Access({ roles: ['bailleur', 'reservataire', 'etat', 'admin'], tenancy: EXISTING_CONVENTION })
  @Get(CONVENTION_PATH)
  @ApiOperation({
    summary: 'A convention as signed, its revisions, and the share or volume in force for each year of its period',
  })
  async get(@Param() params: Record<string, string>) {
    const ref = parseOrThrow(conventionPathSchema, params);
    const { state, version } = await loadAggregate(this.runtime.store, reservationStreamId(ref), reservationDecider);
    if (!state.terms) throw notFound('CONVENTION_NOT_FOUND');
    const years = [];
    for (let y = state.terms.period.startYear; y <= state.terms.period.endYear; y += 1)
      years.push({ year: y, ...termsForYear(state, y) });
    return {
      ...state.terms,
      revisions: state.revisions,
      stockConversions: state.stockConversions ?? [],
      inForce: years,
      agreement: { agreedBy: state.agreedBy, complete: conventionAgreed(state), pending: pendingAgreements(state) },
      streamVersion: version,
    };
  }

  @Access({ roles: ['bailleur', 'reservataire', 'etat', 'admin'], tenancy: EXISTING_CONVENTION })
  @Get(`${CONVENTION_PATH}/flux`)
  @ApiOperation({
    summary:
      'Flux realised for a convention in a year: net base, flats oriented and returned, leases counted (bail signé) and each counting option in its own column, realised vs convention share, pro-rata target to date',
  })
  async flux(
    @Param() params: Record<string, string>,
    @Query('year') yearQuery: string | undefined,
    @CurrentPrincipal() principal: Principal,
    @Req() request: Request,
    @Res() response: Response,
  ) {
    const ref = parseOrThrow(conventionPathSchema, params);
    const year = parseOrThrow(yearParam, yearQuery);
    // Freshness first: the figures read after it are at least that fresh, never the other way round.
    // The figures join two projections (leases from compliance, flux facts from flux): the older one's.
    const [compliance, fluxProjection] = await Promise.all([
      readFreshness(this.runtime.pool, 'compliance'),
      readFreshness(this.runtime.pool, 'flux'),
    ]);
    const freshness = compliance.position <= fluxProjection.position ? compliance : fluxProjection;
    const { pool, store } = this.runtime;
    // The flux projection holds the convention; one just recorded and not projected yet is read from its stream.
    const today = new Date().toISOString().slice(0, 10);
    const read =
      (await readConventionFlux(pool, ref, year, today)) ??
      (await readConventionFlux(
        pool,
        ref,
        year,
        today,
        (await loadAggregate(store, reservationStreamId(ref), reservationDecider)).state,
      ));
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
      `flux-${ref.conventionId}-${year}.csv`,
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
            ref.conventionId,
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
