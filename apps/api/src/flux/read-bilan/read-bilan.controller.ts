import { Contract } from '../../http/contract.js';
import { Controller, Get, Inject, Param, Query, Req, Res } from '@nestjs/common';
import { z } from 'zod';
import { bitemporalInput, bitemporalQuery, BitemporalQueries, readFluxAsOf } from '../../http/bitemporal.js';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { EVENT_STORE, type EventStore } from '@vigie/event-store';
import { readBailleurBilan } from '@vigie/projections';
import { Access } from '../../access/access.decorators.js';
import { existingOwnedBy } from '../../access/tenancies.js';
import { sendTable, wantsTable } from '../../http/table.js';
import { DisplayNames } from '../../referential/display-names.js';
import { TerritorialReferential } from '@vigie/referential';
import { organisationId } from '../../http/identifiers.js';
import { yearParam } from '../../http/params.js';
import { parseOrThrow } from '../../http/validation.js';
import { DATABASE_POOL, type DatabasePool } from '../../platform/platform.module.js';
import { KnownOrganisationsService } from '../../referential/known-organisations.service.js';
import { assertKnownOrganisation } from '../../http/known-organisation.js';

/** A bailleur's annual bilan (due 28 February of the next year). */
@ApiTags('flux')
@Controller('v1/bailleurs/:bailleurId/bilans/:year')
export class ReadBilanController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(DATABASE_POOL) private readonly pool: DatabasePool,
    private readonly territorial: TerritorialReferential,
    private readonly known: KnownOrganisationsService,
  ) {}

  @Access({ roles: ['bailleur', 'admin'], tenancy: existingOwnedBy('bailleurs', 'bailleurId') })
  @Get()
  @Contract({
    summary:
      'Bilan annuel d’un bailleur : baux par réservataire, typologie, financement, côté QPV et commune, contrôles du contingent préfectoral, clôture et faits tardifs',
    answer: 'read',
    csv: true,
    errors: ['BAILLEUR_NOT_FOUND', 'AS_OF_NOT_REACHED'],
  })
  @BitemporalQueries('leases and flux facts')
  async bilan(
    @Param('bailleurId') bailleurParam: string,
    @Param('year') yearText: string,
    @Query() query: Record<string, string>,
    @Req() request: FastifyRequest,
    @Res() response: FastifyReply,
  ) {
    const bailleurId = parseOrThrow(organisationId('Identifiant du bailleur'), bailleurParam, 'bailleurId');
    const year = parseOrThrow(yearParam, yearText, 'year');
    const times = parseOrThrow(z.object(bitemporalQuery), bitemporalInput(query));
    await assertKnownOrganisation(this.known, 'bailleur', bailleurId);
    const at = await readFluxAsOf(this.pool, times.asOf);
    const bilan = await readBailleurBilan(this.pool, this.store, bailleurId, year, {
      position: at?.position ?? null,
      signedUntil: times.signedUntil ?? null,
    });
    if (at) response.header('X-Vigie-Position', String(at.position));
    if (!wantsTable(request)) {
      response.code(200).send({ ...bilan, asOf: at?.view ?? null, signedUntil: times.signedUntil ?? null });
      return;
    }
    // Each value by its name beside its code: réservataire and commune named, typology and financing codes as they are known.
    const names = await DisplayNames.read(this.pool, this.territorial);
    const rows: (string | number | null)[][] = [
      ...Object.entries(bilan.byReservataire).map(([k, v]) => ['Réservataire', names.reservataire(k), k, v]),
      ...Object.entries(bilan.byTypology).map(([k, v]) => ['Typologie', k, k, v]),
      ...Object.entries(bilan.byFinancing).map(([k, v]) => ['Financement', k, k, v]),
      ['QPV', 'En QPV', null, bilan.byQpv.inQpv],
      ['QPV', 'Hors QPV', null, bilan.byQpv.outsideQpv],
      ...Object.entries(bilan.byCommune).map(([k, v]) => ['Commune', names.commune(k), k, v]),
      ['Total', null, null, bilan.leases],
      ['Faits tardifs (après clôture)', null, null, bilan.lateFacts],
    ];
    await sendTable(request, response, {
      filename: `bilan-${bailleurId}-${year}`,
      sheet: 'Bilan',
      headers: ['Bailleur', 'Identifiant du bailleur', 'Année', 'Regroupement', 'Valeur', 'Code', 'Baux signés'],
      rows: rows.map((row) => [names.bailleur(bailleurId), bailleurId, year, ...row]),
    });
  }
}
