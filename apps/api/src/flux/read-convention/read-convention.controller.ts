import { Contract } from '../../http/contract.js';
import { Controller, Get, Inject, Param, Query, Req, Res } from '@nestjs/common';
import { ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type Principal, shareConventionFlux } from '@vigie/access';
import type { VigieConfig } from '@vigie/config';
import {
  conventionAgreed,
  parisDate,
  pendingAgreements,
  reservationDecider,
  reservationStreamId,
  termsForYear,
} from '@vigie/domain';
import { EVENT_STORE, type EventStore, loadAggregate } from '@vigie/event-store';
import { readConventionFlux, readFreshness } from '@vigie/projections';
import { Access, CurrentPrincipal } from '../../access/access.decorators.js';
import { EXISTING_CONVENTION } from '../../access/tenancies.js';
import { percentCell, sendTable, wantsTable } from '../../http/table.js';
import { TerritorialReferential } from '@vigie/referential';
import { DisplayNames } from '../../referential/display-names.js';
import { yearParam } from '../../http/params.js';
import { notFound } from '../../http/problem.js';
import { parseOrThrow } from '../../http/validation.js';
import { CLOCK, type Clock, DATABASE_POOL, type DatabasePool, VIGIE_CONFIG } from '../../platform/platform.module.js';
import { CONVENTION_PATH, conventionPathSchema } from '../conventions/convention.schemas.js';

/** A convention as signed and revised, and the flux realised on it in a year. */
@ApiTags('flux')
@Controller('v1/conventions')
export class ReadConventionController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(DATABASE_POOL) private readonly pool: DatabasePool,
    @Inject(VIGIE_CONFIG) private readonly config: VigieConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly territorial: TerritorialReferential,
  ) {}

  @Access({ roles: ['bailleur', 'reservataire', 'etat', 'admin'], tenancy: EXISTING_CONVENTION })
  @Get(CONVENTION_PATH)
  @Contract({
    summary: 'Une convention telle que signée, ses révisions, et la part ou le volume en vigueur chaque année de sa période',
    answer: 'read',
  })
  async get(@Param() params: Record<string, string>) {
    const ref = parseOrThrow(conventionPathSchema, params);
    const { state, version } = await loadAggregate(this.store, reservationStreamId(ref), reservationDecider);
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
  @Contract({
    summary:
      'Flux réalisé sur une convention pour une année : assiette nette, logements orientés et rendus, baux décomptés et chaque option à part, part réalisée, objectif au prorata',
    answer: 'read',
    csv: true,
  })
  @ApiQuery({ name: 'year', required: false, example: 2026 })
  async flux(
    @Param() params: Record<string, string>,
    @Query('year') yearQuery: string | undefined,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
    @Res() response: FastifyReply,
  ) {
    const ref = parseOrThrow(conventionPathSchema, params);
    const year = parseOrThrow(yearParam, yearQuery);
    // Freshness first (the figures read after it are at least that fresh), and the older of the two
    // projections the figures join (leases from compliance, flux facts from flux).
    const [compliance, fluxProjection] = await Promise.all([
      readFreshness(this.pool, 'compliance'),
      readFreshness(this.pool, 'flux'),
    ]);
    const freshness = compliance.position <= fluxProjection.position ? compliance : fluxProjection;
    const today = parisDate(this.clock());
    // The flux projection holds the convention; one just recorded and not projected yet is read from its stream.
    const read =
      (await readConventionFlux(this.pool, ref, year, today)) ??
      (await readConventionFlux(
        this.pool,
        ref,
        year,
        today,
        (await loadAggregate(this.store, reservationStreamId(ref), reservationDecider)).state,
      ));
    if (!read) throw notFound('CONVENTION_NOT_FOUND');
    const { terms, agreement } = read;
    // The État's services see a convention of their département that is not the préfet's under statistical secrecy.
    const figures =
      principal.role === 'etat' && read.figures.contingent === null
        ? shareConventionFlux(read.figures, this.config.STATISTICAL_SECRECY_THRESHOLD)
        : read.figures;
    if (!wantsTable(request)) {
      response.code(200).send({
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
    const names = await DisplayNames.read(this.pool, this.territorial);
    await sendTable(request, response, {
      filename: `flux-${ref.conventionId}-${year}`,
      sheet: 'Flux',
      headers: [
        'Convention',
        'Année',
        'Bailleur',
        'Identifiant du bailleur',
        'Réservataire',
        'Identifiant du réservataire',
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
        'Décomptés au-delà de l’assiette nette',
        'Objectif au prorata',
      ],
      rows: [
        [
          ref.conventionId,
          year,
          names.bailleur(terms.bailleurId),
          terms.bailleurId,
          names.reservataire(terms.reservataireId),
          terms.reservataireId,
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
          percentCell(figures.realisedShare),
          figures.countedBeyondNetBase,
          Math.round(figures.proRataTargetToDate * 10) / 10,
        ],
      ],
    });
  }
}
