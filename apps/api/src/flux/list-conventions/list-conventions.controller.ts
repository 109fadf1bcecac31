import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiQuery, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { type Principal, shareConventionFlux } from '@vigie/access';
import type { VigieConfig } from '@vigie/config';
import { parisDate } from '@vigie/domain';
import { readConventionFlux, readConventions, readFreshness } from '@vigie/projections';
import { Access, CurrentPrincipal } from '../../access/access.decorators.js';
import { FILTERED } from '../../access/tenancies.js';
import { Contract } from '../../http/contract.js';
import { organisationId } from '../../http/identifiers.js';
import { yearParam } from '../../http/params.js';
import { parseOrThrow } from '../../http/validation.js';
import { CLOCK, type Clock, DATABASE_POOL, type DatabasePool, VIGIE_CONFIG } from '../../platform/platform.module.js';

const querySchema = z.object({
  year: yearParam,
  bailleur: organisationId('Identifiant du bailleur').optional(),
  reservataire: organisationId('Identifiant du réservataire').optional(),
});

/**
 * The conventions a person may see, each with its flux of a year (owed vs realised, pro rata):
 * what the bailleur, réservataire and État pages list. Each one is the very figure of
 * `GET /v1/conventions/{bailleur}/{reservataire}/{convention}/flux`, under the same secrecy.
 */
@ApiTags('flux')
@Controller('v1/conventions')
export class ListConventionsController {
  constructor(
    @Inject(DATABASE_POOL) private readonly pool: DatabasePool,
    @Inject(VIGIE_CONFIG) private readonly config: VigieConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Access({ roles: ['bailleur', 'reservataire', 'etat', 'admin'], tenancy: FILTERED })
  @Get()
  @Contract({
    summary:
      'Les conventions de son organisme (bailleur, réservataire, État du département) en vigueur une année, chacune avec son flux : dû, réalisé, au prorata, contrôles du contingent préfectoral',
    answer: 'read',
  })
  @ApiQuery({ name: 'year', required: true, example: 2026 })
  @ApiQuery({ name: 'bailleur', required: false })
  @ApiQuery({ name: 'reservataire', required: false })
  async list(@Query() query: Record<string, string>, @CurrentPrincipal() principal: Principal) {
    const input = parseOrThrow(querySchema, {
      year: query.year,
      bailleur: query.bailleur || undefined,
      reservataire: query.reservataire || undefined,
    });
    const [compliance, fluxProjection] = await Promise.all([
      readFreshness(this.pool, 'compliance'),
      readFreshness(this.pool, 'flux'),
    ]);
    const freshness = compliance.position <= fluxProjection.position ? compliance : fluxProjection;
    const today = parisDate(this.clock());
    const own = principal.tenant ?? '';
    const visible = (await readConventions(this.pool)).filter(({ ref, state }) => {
      const terms = state.terms;
      if (!terms || terms.period.startYear > input.year || terms.period.endYear < input.year) return false;
      if (input.bailleur && ref.bailleurId !== input.bailleur) return false;
      if (input.reservataire && ref.reservataireId !== input.reservataire) return false;
      if (principal.role === 'bailleur') return ref.bailleurId === own;
      if (principal.role === 'reservataire') return ref.reservataireId === own;
      if (principal.role === 'etat') return terms.departement === own;
      return true;
    });
    const conventions = [];
    for (const { ref } of visible) {
      const read = await readConventionFlux(this.pool, ref, input.year, today);
      if (!read) continue;
      const figures =
        principal.role === 'etat' && read.figures.contingent === null
          ? shareConventionFlux(read.figures, this.config.STATISTICAL_SECRECY_THRESHOLD)
          : read.figures;
      conventions.push({
        ...figures,
        departement: read.terms.departement,
        gestionMode: read.terms.gestionMode,
        period: read.terms.period,
        agreement: read.agreement,
      });
    }
    return { year: input.year, conventions, freshness };
  }
}
