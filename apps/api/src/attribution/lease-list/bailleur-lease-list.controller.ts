import { Controller, Get, Inject, Param, Query, Req, Res } from '@nestjs/common';
import { ApiParam, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { listLeases } from '@vigie/domain';
import { readBailleurListedLeases } from '@vigie/projections';
import { TerritorialReferential } from '@vigie/referential';
import { organisationId } from '../../http/identifiers.js';
import { Contract } from '../../http/contract.js';
import { DisplayNames } from '../../referential/display-names.js';
import { KnownOrganisationsService } from '../../referential/known-organisations.service.js';
import { DATABASE_POOL, type DatabasePool } from '../../platform/platform.module.js';
import { Access } from '../../access/access.decorators.js';
import { existingOwnedBy } from '../../access/tenancies.js';
import { LeaseListQueries, readLeaseListQuery, sendLeaseList } from './lease-list.answer.js';

/**
 * A bailleur's own leases of a year, whatever their EPCI, one line each: how each objective of its
 * EPCI counts it and why, its data-quality flags, and the event that proves it. The same lines as
 * the EPCI's list (one listLeases, each EPCI's rules). For the bailleur itself and admin: another
 * bailleur's list answers the 404 of one that does not exist.
 */
@ApiTags('compliance')
@Controller('v1/bailleurs/:bailleurId/leases')
export class BailleurLeaseListController {
  constructor(
    @Inject(DATABASE_POOL) private readonly pool: DatabasePool,
    private readonly territorial: TerritorialReferential,
    private readonly known: KnownOrganisationsService,
  ) {}

  @Access({ roles: ['bailleur', 'admin'], tenancy: existingOwnedBy('bailleurs', 'bailleurId') })
  @Get()
  @Contract({
    summary:
      'Chaque bail d’un bailleur dans l’année, tous EPCI : son classement pour chaque objectif, la raison, ses alertes de qualité et l’événement qui le prouve',
    answer: 'read',
    csv: true,
    errors: ['BAILLEUR_NOT_FOUND', 'AS_OF_NOT_REACHED'],
  })
  @ApiParam({ name: 'bailleurId', description: 'the bailleur', example: 'lmh' })
  @LeaseListQueries()
  async list(
    @Param('bailleurId') bailleurId: string,
    @Query() query: Record<string, string>,
    @Req() request: FastifyRequest,
    @Res() response: FastifyReply,
  ): Promise<void> {
    const { input, freshness, at, options } = await readLeaseListQuery(
      this.pool,
      { bailleurId: organisationId('Identifiant du bailleur') },
      { bailleurId },
      query,
      { known: this.known, kind: 'bailleur', key: 'bailleurId' },
    );
    const groups = await readBailleurListedLeases(this.pool, input.bailleurId, input.year, at.position);
    const leases = groups
      .flatMap((group) =>
        listLeases(group.facts, { cia: group.cia, thresholdPerUc: group.threshold?.amountPerUc }, options).map((line) => ({
          epciSiren: group.epciSiren,
          ...line,
        })),
      )
      .sort((a, b) => a.leaseDate.localeCompare(b.leaseDate) || a.position - b.position);
    await sendLeaseList(request, response, {
      owner: { bailleurId: input.bailleurId },
      input,
      at,
      freshness,
      leases,
      filename: `baux-detail-${input.bailleurId}-${input.year}`,
      withEpci: true,
      names: () => DisplayNames.read(this.pool, this.territorial),
    });
  }
}
