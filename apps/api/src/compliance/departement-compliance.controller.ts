import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { TerritorialReferential } from '@vigie/referential';
import { Access } from '../access/access.decorators.js';
import { existingOwnedBy } from '../access/tenancies.js';
import { TenancyResolver } from '../access/tenancy.resolver.js';
import { asOfOf, bitemporalInput, bitemporalQuery, BitemporalQueries } from '../http/bitemporal.js';
import { Contract } from '../http/contract.js';
import { departement } from '../http/identifiers.js';
import { yearParam } from '../http/params.js';
import { parseOrThrow } from '../http/validation.js';
import { DATABASE_POOL, type DatabasePool } from '../platform/platform.module.js';
import { DisplayNames } from '../referential/display-names.js';
import { KnownOrganisationsService } from '../referential/known-organisations.service.js';
import { assertKnownDepartement } from '../http/known-organisation.js';
import { ComplianceService } from './compliance.service.js';

const querySchema = z.object({ departement, year: yearParam, ...bitemporalQuery });

/** EPCIs computed at once: a département has up to ~60; each read is cached per position. */
const CONCURRENCY = 4;

/**
 * The EPCIs of a département side by side, for the État's services there (and admin): each
 * EPCI's figures for the year at the EPCI level, as GET /v1/epcis/{siren}/compliance answers
 * them to their owner (the État of the département sees them whole; no other role may ask). One
 * request instead of one per EPCI; the monthly trajectories stay on each EPCI's own read.
 */
@ApiTags('compliance')
@Controller('v1/departements/:departement/compliance')
export class DepartementComplianceController {
  constructor(
    private readonly compliance: ComplianceService,
    private readonly tenancy: TenancyResolver,
    @Inject(DATABASE_POOL) private readonly pool: DatabasePool,
    private readonly territorial: TerritorialReferential,
    private readonly known: KnownOrganisationsService,
  ) {}

  @Access({ roles: ['etat', 'admin'], tenancy: existingOwnedBy('departements', 'departement') })
  @Get()
  @Contract({
    summary:
      'Les EPCI d’un département côte à côte pour une année : par EPCI, nom, baux de l’année et, par objectif, numérateur, dénominateur, taux, cible, écart et statut (niveau EPCI, sans trajectoire mensuelle). Pour les services de l’État du département et l’admin ; asOf et signedUntil comme pour un EPCI',
    answer: 'read',
    errors: ['DEPARTEMENT_NOT_FOUND', 'AS_OF_NOT_REACHED'],
  })
  @ApiParam({ name: 'departement', example: '59' })
  @ApiQuery({ name: 'year', required: true, example: 2026 })
  @BitemporalQueries()
  async summary(@Param('departement') code: string, @Query() query: Record<string, string>) {
    const input = parseOrThrow(querySchema, { departement: code, year: query.year, ...bitemporalInput(query) });
    assertKnownDepartement(this.known, input.departement);
    const asOf = asOfOf(input.asOf);
    const names = await DisplayNames.read(this.pool, this.territorial);
    const sirens = this.tenancy.epcisOfDepartement(input.departement);
    const views = new Array<Awaited<ReturnType<ComplianceService['compliance']>>['view']>(sirens.length);
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(CONCURRENCY, sirens.length) }, async () => {
        for (let index = next++; index < sirens.length; index = next++) {
          views[index] = (await this.compliance.compliance(sirens[index]!, input.year, undefined, asOf, input.signedUntil)).view;
        }
      }),
    );
    const epcis = sirens.map((siren, index) => {
      const view = views[index]!;
      return {
        siren,
        name: names.epci(siren) ?? siren,
        registered: names.registeredEpci(siren) !== undefined,
        leases: view.dataQuality.leases,
        asOf: view.asOf,
        objectives: view.objectives.map((objective) => {
          const figure = objective.scopes.find((scope) => scope.scope.kind === 'epci')?.figure;
          if (!figure) return { id: objective.id, target: objective.target, figure: null };
          const { monthly: _monthly, ...counts } = figure;
          return { id: objective.id, target: objective.target, figure: counts };
        }),
      };
    });
    epcis.sort((a, b) => a.name.localeCompare(b.name, 'fr'));
    return {
      departement: input.departement,
      year: input.year,
      signedUntil: input.signedUntil ?? null,
      epcis,
      freshness: views[0]?.freshness ?? null,
    };
  }
}
