import { Contract } from '../../http/contract.js';
import { Controller, Get, Inject, Param, Query, Req, Res } from '@nestjs/common';
import { ApiParam, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import { type Request, type Response } from 'express';
import { z } from 'zod';
import { readLeaseSummary } from '@vigie/projections';
import { epciSirenParam, yearParam } from '../../http/params.js';
import { sendCsv, toCsv, wantsCsv } from '../../http/csv.js';
import { parseOrThrow } from '../../http/validation.js';
import { DATABASE_POOL, type DatabasePool } from '../../platform/platform.module.js';
import { Access } from '../../access/access.decorators.js';
import { existingEpci } from '../../access/tenancies.js';

const paramsSchema = z.object({
  epci: epciSirenParam,
  year: yearParam,
});

@ApiTags('compliance')
@Controller('v1/epcis/:epci/leases/summary')
export class LeaseSummaryController {
  constructor(@Inject(DATABASE_POOL) private readonly pool: DatabasePool) {}

  @Access({ roles: ['epci', 'etat', 'admin'], tenancy: existingEpci('epci') })
  @Get()
  @Contract({
    summary: 'Baux signés d’une année dans un EPCI, par bailleur, réservataire et côté QPV',
    answer: 'read',
    csv: true,
  })
  @ApiParam({ name: 'epci', description: 'SIREN of the EPCI', example: '200093201' })
  @ApiQuery({ name: 'year', required: true, example: 2026 })
  @ApiQuery({ name: 'format', required: false, enum: ['json', 'csv'] })
  @ApiProduces('application/json', 'text/csv')
  async summary(
    @Param('epci') epci: string,
    @Query('year') year: string | undefined,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    const params = parseOrThrow(paramsSchema, { epci, year });
    const summary = await readLeaseSummary(this.pool, params.epci, params.year);
    if (!wantsCsv(request)) {
      response.status(200).json(summary);
      return;
    }
    const headers = ['EPCI', 'Année', 'Regroupement', 'Identifiant', 'Baux signés', 'Dont en QPV', 'Dont hors QPV'];
    const rows = [
      [summary.epciSiren, summary.year, 'Total', '', summary.total, summary.qpv.inQpv, summary.qpv.outsideQpv],
      ...summary.byBailleur.map((row) => [
        summary.epciSiren,
        summary.year,
        'Bailleur',
        row.bailleurId,
        row.leases,
        row.inQpv,
        row.outsideQpv,
      ]),
      ...summary.byReservataire.map((row) => [
        summary.epciSiren,
        summary.year,
        'Réservataire',
        row.reservataireId ?? 'Non réservé',
        row.leases,
        row.inQpv,
        row.outsideQpv,
      ]),
    ];
    response.setHeader('X-Vigie-Position', String(summary.freshness.position));
    sendCsv(response, `baux-${summary.epciSiren}-${summary.year}.csv`, toCsv(headers, rows));
  }
}
