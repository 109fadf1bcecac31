import { Contract } from '../../http/contract.js';
import { Controller, Get, Inject, Param, Req, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { EVENT_STORE, type EventStore } from '@vigie/event-store';
import { readBailleurBilan } from '@vigie/projections';
import { Access } from '../../access/access.decorators.js';
import { existingOwnedBy } from '../../access/tenancies.js';
import { sendCsv, toCsv, wantsCsv } from '../../http/csv.js';
import { organisationId } from '../../http/identifiers.js';
import { yearParam } from '../../http/params.js';
import { parseOrThrow } from '../../http/validation.js';
import { DATABASE_POOL, type DatabasePool } from '../../platform/platform.module.js';

/** A bailleur's annual bilan (due 28 February of the next year). */
@ApiTags('flux')
@Controller('v1/bailleurs/:bailleurId/bilans/:year')
export class ReadBilanController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(DATABASE_POOL) private readonly pool: DatabasePool,
  ) {}

  @Access({ roles: ['bailleur', 'admin'], tenancy: existingOwnedBy('bailleurs', 'bailleurId') })
  @Get()
  @Contract({
    summary:
      'Bilan annuel d’un bailleur : baux par réservataire, typologie, financement, côté QPV et commune, contrôles du contingent préfectoral, clôture et faits tardifs',
    answer: 'read',
    csv: true,
  })
  async bilan(
    @Param('bailleurId') bailleurParam: string,
    @Param('year') yearText: string,
    @Req() request: Request,
    @Res() response: Response,
  ) {
    const bailleurId = parseOrThrow(organisationId('Identifiant du bailleur'), bailleurParam);
    const year = parseOrThrow(yearParam, yearText);
    const bilan = await readBailleurBilan(this.pool, this.store, bailleurId, year);
    if (!wantsCsv(request)) {
      response.status(200).json(bilan);
      return;
    }
    const rows = [
      ...Object.entries(bilan.byReservataire).map(([k, v]) => ['Réservataire', k === 'non_reserve' ? 'Non réservé' : k, v]),
      ...Object.entries(bilan.byTypology).map(([k, v]) => ['Typologie', k, v]),
      ...Object.entries(bilan.byFinancing).map(([k, v]) => ['Financement', k, v]),
      ['QPV', 'En QPV', bilan.byQpv.inQpv],
      ['QPV', 'Hors QPV', bilan.byQpv.outsideQpv],
      ...Object.entries(bilan.byCommune).map(([k, v]) => ['Commune', k, v]),
      ['Total', '', bilan.leases],
      ['Faits tardifs (après clôture)', '', bilan.lateFacts],
    ].map((row) => [bailleurId, year, ...row]);
    sendCsv(
      response,
      `bilan-${bailleurId}-${year}.csv`,
      toCsv(['Bailleur', 'Année', 'Regroupement', 'Valeur', 'Baux signés'], rows),
    );
  }
}
