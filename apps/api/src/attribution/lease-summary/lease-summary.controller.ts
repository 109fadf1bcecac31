import { Contract } from '../../http/contract.js';
import { Controller, Get, Inject, Param, Query, Req, Res } from '@nestjs/common';
import { ApiParam, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { parisTimestamp } from '@vigie/domain';
import { readFreshness, readLeaseSummary, readLeaseSummaryAt } from '@vigie/projections';
import { asOfOf, bitemporalInput, bitemporalQuery, BitemporalQueries, readPosition } from '../../http/bitemporal.js';
import { epciSirenParam, yearParam } from '../../http/params.js';
import { sendTable, wantsTable } from '../../http/table.js';
import { XLSX_MEDIA_TYPE } from '../../http/xlsx.js';
import { TerritorialReferential } from '@vigie/referential';
import { DisplayNames } from '../../referential/display-names.js';
import { parseOrThrow } from '../../http/validation.js';
import { DATABASE_POOL, type DatabasePool } from '../../platform/platform.module.js';
import { Access } from '../../access/access.decorators.js';
import { existingEpci } from '../../access/tenancies.js';
import { KnownOrganisationsService } from '../../referential/known-organisations.service.js';
import { assertKnownOrganisation } from '../../http/known-organisation.js';

const paramsSchema = z.object({
  epci: epciSirenParam,
  year: yearParam,
  ...bitemporalQuery,
});

@ApiTags('compliance')
@Controller('v1/epcis/:epci/leases/summary')
export class LeaseSummaryController {
  constructor(
    @Inject(DATABASE_POOL) private readonly pool: DatabasePool,
    private readonly territorial: TerritorialReferential,
    private readonly known: KnownOrganisationsService,
  ) {}

  @Access({ roles: ['epci', 'etat', 'admin'], tenancy: existingEpci('epci') })
  @Get()
  @Contract({
    summary:
      'Baux signés d’une année dans un EPCI, par bailleur, réservataire et côté QPV ; asOf (ce que Vigie savait alors) et signedUntil (baux signés jusqu’à une date), combinables',
    answer: 'read',
    csv: true,
    errors: ['EPCI_NOT_FOUND', 'AS_OF_NOT_REACHED'],
  })
  @ApiParam({ name: 'epci', description: 'SIREN of the EPCI', example: '200093201' })
  @ApiQuery({ name: 'year', required: true, example: 2026 })
  @BitemporalQueries()
  @ApiProduces('application/json', 'text/csv', XLSX_MEDIA_TYPE)
  async summary(
    @Param('epci') epci: string,
    @Query() query: Record<string, string>,
    @Req() request: FastifyRequest,
    @Res() response: FastifyReply,
  ): Promise<void> {
    const params = parseOrThrow(paramsSchema, { epci, year: query.year, ...bitemporalInput(query) });
    await assertKnownOrganisation(this.known, 'epci', params.epci);
    const summary = await this.read(params);
    if (!wantsTable(request)) {
      response.code(200).send(summary);
      return;
    }
    const names = await DisplayNames.read(this.pool, this.territorial);
    const epciColumns = [names.epci(summary.epciSiren), summary.epciSiren, summary.year];
    response.header('X-Vigie-Position', String(summary.freshness.position));
    await sendTable(request, response, {
      filename: `baux-${summary.epciSiren}-${summary.year}`,
      sheet: 'Baux signés',
      headers: [
        'EPCI',
        'SIREN de l’EPCI',
        'Année',
        'Regroupement',
        'Nom',
        'Identifiant',
        'Baux signés',
        'Dont en QPV',
        'Dont hors QPV',
      ],
      rows: [
        [...epciColumns, 'Total', null, '', summary.total, summary.qpv.inQpv, summary.qpv.outsideQpv],
        ...summary.byBailleur.map((row) => [
          ...epciColumns,
          'Bailleur',
          names.bailleur(row.bailleurId),
          row.bailleurId,
          row.leases,
          row.inQpv,
          row.outsideQpv,
        ]),
        ...summary.byReservataire.map((row) => [
          ...epciColumns,
          'Réservataire',
          names.reservataire(row.reservataireId),
          row.reservataireId ?? '',
          row.leases,
          row.inQpv,
          row.outsideQpv,
        ]),
      ],
    });
  }

  /**
   * As it stands (the lease_summary read model), or, with asOf or signedUntil, counted from the
   * leases in force at that position and signed up to that day (the compliance figures' leases).
   */
  private async read(params: z.output<typeof paramsSchema>) {
    if (params.asOf === undefined && params.signedUntil === undefined) {
      return { ...(await readLeaseSummary(this.pool, params.epci, params.year)), asOf: null, signedUntil: null };
    }
    const freshness = await readFreshness(this.pool, 'compliance');
    const at = await readPosition(this.pool, asOfOf(params.asOf), freshness.position);
    const cut = { position: at.position, signedUntil: params.signedUntil ?? null };
    const { cut: _cut, ...summary } = await readLeaseSummaryAt(this.pool, params.epci, params.year, cut, freshness);
    return {
      ...summary,
      asOf: { position: at.position, recordedAt: at.recordedAt ? parisTimestamp(at.recordedAt) : null, live: at.live },
      signedUntil: cut.signedUntil,
    };
  }
}
