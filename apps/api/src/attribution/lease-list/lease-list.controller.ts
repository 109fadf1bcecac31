import { Controller, Get, Inject, Param, Query, Req, Res } from '@nestjs/common';
import { ApiParam, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import { type Request, type Response } from 'express';
import { z } from 'zod';
import { LEASE_FILTERS, listLeases, parisTimestamp } from '@vigie/domain';
import { readFreshness, readListedLeases } from '@vigie/projections';
import { epciSirenParam, yearParam } from '../../http/params.js';
import { sendCsv, wantsCsv } from '../../http/csv.js';
import { asOfOf, bitemporalInput, bitemporalQuery, BitemporalQueries, readPosition } from '../../http/bitemporal.js';
import { leaseListCsv } from './lease-list.csv.js';
import { parseOrThrow } from '../../http/validation.js';
import { Contract } from '../../http/contract.js';
import { DATABASE_POOL, type DatabasePool } from '../../platform/platform.module.js';
import { Access } from '../../access/access.decorators.js';
import { existingEpci } from '../../access/tenancies.js';

const querySchema = z.object({
  epci: epciSirenParam,
  year: yearParam,
  filter: z.enum(LEASE_FILTERS).optional(),
  ...bitemporalQuery,
});

/**
 * The leases behind an EPCI's figures, one line each, with how each objective counts it and why,
 * and the event that proves it. Lease-level data: for the EPCI, the État of its départements and
 * admin, as the lease summary.
 */
@ApiTags('compliance')
@Controller('v1/epcis/:epci/leases')
export class LeaseListController {
  constructor(@Inject(DATABASE_POOL) private readonly pool: DatabasePool) {}

  @Access({ roles: ['epci', 'etat', 'admin'], tenancy: existingEpci('epci') })
  @Get()
  @Contract({
    summary: 'Chaque bail décompté d’une année : son classement pour chaque objectif, la raison, et l’événement qui le prouve',
    answer: 'read',
    csv: true,
  })
  @ApiParam({ name: 'epci', description: 'SIREN of the EPCI', example: '200093201' })
  @ApiQuery({ name: 'year', required: true, example: 2026 })
  @ApiQuery({ name: 'filter', required: false, enum: LEASE_FILTERS })
  @BitemporalQueries()
  @ApiQuery({ name: 'format', required: false, enum: ['json', 'csv'] })
  @ApiProduces('application/json', 'text/csv')
  async list(
    @Param('epci') epci: string,
    @Query() query: Record<string, string>,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    const input = parseOrThrow(querySchema, {
      epci,
      year: query.year,
      filter: query.filter || undefined,
      ...bitemporalInput(query),
    });
    const freshness = await readFreshness(this.pool, 'compliance');
    const at = await readPosition(this.pool, asOfOf(input.asOf), freshness.position);
    const read = await readListedLeases(this.pool, input.epci, input.year, at.position);
    const leases = listLeases(
      read.facts,
      { cia: read.cia, thresholdPerUc: read.threshold?.amountPerUc },
      { ...(input.signedUntil ? { signedUntil: input.signedUntil } : {}), ...(input.filter ? { filter: input.filter } : {}) },
    );
    response.setHeader('X-Vigie-Position', String(at.position));
    if (!wantsCsv(request)) {
      response.status(200).json({
        epciSiren: input.epci,
        year: input.year,
        filter: input.filter ?? null,
        asOf: { position: at.position, recordedAt: at.recordedAt ? parisTimestamp(at.recordedAt) : null, live: at.live },
        signedUntil: input.signedUntil ?? null,
        leases,
        freshness,
      });
      return;
    }
    sendCsv(response, `baux-detail-${input.epci}-${input.year}.csv`, leaseListCsv(leases));
  }
}
