import { Controller, Get, Inject, Param, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { bailleurBilan, bilanStreamId, fluxStreamId, type FluxEvent, type LeaseSignedData } from '@vigie/domain';
import { EVENT_STORE, type EventStore } from '@vigie/event-store';
import type { DatabasePool } from '@vigie/postgres';
import { Access } from '../../access/access.decorators.js';
import { existingOwnedBy } from '../../access/tenancies.js';
import { sendCsv, toCsv, wantsCsv } from '../../http/csv.js';
import { organisationId } from '../../http/identifiers.js';
import { yearParam } from '../../http/params.js';
import { parseOrThrow } from '../../http/validation.js';
import { DATABASE_POOL } from '../../platform/platform.module.js';

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
  @ApiOperation({
    summary:
      'Annual bilan of a bailleur: leases by réservataire, typology, financing, QPV side and commune, préfet contingent checks per département, closure and late facts',
  })
  async bilan(
    @Param('bailleurId') bailleurParam: string,
    @Param('year') yearText: string,
    @Req() request: Request,
    @Res() response: Response,
  ) {
    const bailleurId = parseOrThrow(organisationId('Identifiant du bailleur'), bailleurParam);
    const year = parseOrThrow(yearParam, yearText);
    const { store, pool } = this;
    const [leases, flux, closure, etat] = await Promise.all([
      pool.query<{ lease: LeaseSignedData; valid_from: string }>(
        `SELECT lease, valid_from FROM lease_facts WHERE year = $1 AND valid_to IS NULL AND lease->>'bailleurId' = $2`,
        [year, bailleurId],
      ),
      store.readStream(fluxStreamId(bailleurId, year)),
      store.readStream(bilanStreamId(bailleurId, year)),
      pool.query<{ id: string }>("SELECT id FROM referential_entries WHERE kind = 'reservataire' AND entry->>'kind' = 'etat'"),
    ]);
    const bilan = bailleurBilan({
      bailleurId,
      year,
      leases: leases.rows.map((row) => ({ lease: row.lease, position: Number(row.valid_from) })),
      flux: flux.events.map((event) => ({ type: event.type, data: event.data }) as FluxEvent),
      etatReservataires: new Set(etat.rows.map((row) => row.id)),
      closurePosition: closure.events[0]?.globalPosition ?? null,
    });
    if (!wantsCsv(request)) {
      response.status(200).json({ ...bilan, closedAt: closure.events[0]?.recordedAt ?? null });
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
