import { Controller, Get, Inject, Param, Query, Req, Res } from '@nestjs/common';
import { ApiParam, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import { type Request, type Response } from 'express';
import { z } from 'zod';
import { isBusinessDate, LEASE_FILTERS, listLeases } from '@vigie/domain';
import { readFreshness, readListedLeases } from '@vigie/projections';
import { epciSirenParam, yearParam } from '../../http/params.js';
import { sendCsv, toCsv, wantsCsv } from '../../http/csv.js';
import { parseOrThrow } from '../../http/validation.js';
import { Contract } from '../../http/contract.js';
import { DATABASE_POOL, type DatabasePool } from '../../platform/platform.module.js';
import { Access } from '../../access/access.decorators.js';
import { existingEpci } from '../../access/tenancies.js';

const querySchema = z.object({
  epci: epciSirenParam,
  year: yearParam,
  filter: z.enum(LEASE_FILTERS).optional(),
  signedUntil: z
    .string()
    .refine(isBusinessDate, 'signedUntil : une date AAAA-MM-JJ (ex. 2026-06-30) : les baux signés jusqu’à ce jour inclus.')
    .optional(),
});

const yesNo = (value: boolean) => (value ? 'oui' : 'non');

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
  @ApiQuery({ name: 'signedUntil', required: false, example: '2026-06-30' })
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
      signedUntil: query.signedUntil || undefined,
    });
    const freshness = await readFreshness(this.pool, 'compliance');
    const read = await readListedLeases(this.pool, input.epci, input.year, freshness.position);
    const leases = listLeases(
      read.facts,
      { cia: read.cia, thresholdPerUc: read.threshold?.amountPerUc },
      { ...(input.signedUntil ? { signedUntil: input.signedUntil } : {}), ...(input.filter ? { filter: input.filter } : {}) },
    );
    response.setHeader('X-Vigie-Position', String(freshness.position));
    if (!wantsCsv(request)) {
      response.status(200).json({ epciSiren: input.epci, year: input.year, filter: input.filter ?? null, leases, freshness });
      return;
    }
    const objectives = leases[0]?.objectives.map((objective) => objective.id) ?? ['HQ1', 'QNQ1', 'PRIO', 'ANRU'];
    const headers = [
      'Bail',
      'Date du bail',
      'Bailleur',
      'Réservataire',
      'Commune',
      'QPV',
      'Q1',
      'Sans décision CAL',
      'Doublon probable',
      ...objectives.flatMap((id) => [`${id} : population`, `${id} : compte`, `${id} : motif`]),
      'Événement',
      'Position',
    ];
    const rows = leases.map((lease) => [
      lease.leaseId,
      lease.leaseDate,
      lease.bailleurId,
      lease.reservataireId ?? 'Non réservé',
      lease.communeInsee,
      lease.qpvCode ?? '',
      lease.q1,
      yesNo(lease.withoutCalDecision),
      yesNo(lease.probableDuplicate),
      ...lease.objectives.flatMap((objective) => [yesNo(objective.inPopulation), yesNo(objective.qualifies), objective.reason]),
      lease.eventId,
      lease.position,
    ]);
    sendCsv(response, `baux-detail-${input.epci}-${input.year}.csv`, toCsv(headers, rows));
  }
}
