import { Controller, Get, Inject, Param, Query, Req, Res } from '@nestjs/common';
import { ApiParam, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { listLeases } from '@vigie/domain';
import { readListedLeases } from '@vigie/projections';
import { TerritorialReferential } from '@vigie/referential';
import { epciSirenParam } from '../../http/params.js';
import { Contract } from '../../http/contract.js';
import { DisplayNames } from '../../referential/display-names.js';
import { KnownOrganisationsService } from '../../referential/known-organisations.service.js';
import { DATABASE_POOL, type DatabasePool } from '../../platform/platform.module.js';
import { Access } from '../../access/access.decorators.js';
import { existingEpci } from '../../access/tenancies.js';
import { LeaseListQueries, readLeaseListQuery, sendLeaseList } from './lease-list.answer.js';

/**
 * The leases behind an EPCI's figures, one line each, with how each objective counts it and why,
 * and the event that proves it. Lease-level data: for the EPCI, the État of its départements and
 * admin, as the lease summary.
 */
@ApiTags('compliance')
@Controller('v1/epcis/:epci/leases')
export class LeaseListController {
  constructor(
    @Inject(DATABASE_POOL) private readonly pool: DatabasePool,
    private readonly territorial: TerritorialReferential,
    private readonly known: KnownOrganisationsService,
  ) {}

  @Access({ roles: ['epci', 'etat', 'admin'], tenancy: existingEpci('epci') })
  @Get()
  @Contract({
    summary: 'Chaque bail décompté d’une année : son classement pour chaque objectif, la raison, et l’événement qui le prouve',
    answer: 'read',
    csv: true,
    errors: ['EPCI_NOT_FOUND', 'AS_OF_NOT_REACHED'],
  })
  @ApiParam({ name: 'epci', description: 'SIREN of the EPCI', example: '200093201' })
  @LeaseListQueries()
  async list(
    @Param('epci') epci: string,
    @Query() query: Record<string, string>,
    @Req() request: FastifyRequest,
    @Res() response: FastifyReply,
  ): Promise<void> {
    const { input, freshness, at, options } = await readLeaseListQuery(this.pool, { epci: epciSirenParam }, { epci }, query, {
      known: this.known,
      kind: 'epci',
      key: 'epci',
    });
    const read = await readListedLeases(this.pool, input.epci, input.year, at.position);
    const leases = listLeases(read.facts, { cia: read.cia, thresholdPerUc: read.threshold?.amountPerUc }, options);
    await sendLeaseList(request, response, {
      owner: { epciSiren: input.epci },
      input,
      at,
      freshness,
      leases,
      filename: `baux-detail-${input.epci}-${input.year}`,
      withEpci: false,
      names: () => DisplayNames.read(this.pool, this.territorial),
    });
  }
}
