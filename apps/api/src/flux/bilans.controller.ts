import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Post, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { organisationId } from '../http/identifiers.js';
import { bailleurBilan, bilanDecider, bilanStreamId, type LeaseSignedData } from '@vigie/domain';
import { readEtatReservataires, readFluxCounts } from '@vigie/projections';
import { jsonEqual } from '@vigie/event-store';
import { sendCsv, toCsv, wantsCsv } from '../http/csv.js';
import { yearParam } from '../http/params.js';
import { parseOrThrow } from '../http/validation.js';
import { isoDate } from '../leases/record-signed-lease/record-signed-lease.schema.js';
import { RUNTIME, type Runtime } from '../runtime/runtime.js';
import { DecisionsService } from '../shared/decisions.service.js';
import { apiWriteContext, Writer, eventIdFrom } from '../shared/write-context.js';
import { Access } from '../access/access.decorators.js';
import { existingOwnedBy } from '../access/tenancies.js';

const closureSchema = z.object({ eventId: z.string().optional(), closedOn: isoDate }).strict();

@ApiTags('flux')
@Controller('v1/bailleurs/:bailleurId/bilans/:year')
export class BilansController {
  constructor(
    private readonly decisions: DecisionsService,
    @Inject(RUNTIME) private readonly runtime: Runtime,
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
    const { store, pool } = this.runtime;
    // Read models only (lease_facts, flux_counts, referential): the bilan's flux facts are those dated in its year.
    const [leases, flux, closure, etat] = await Promise.all([
      pool.query<{ lease: LeaseSignedData; valid_from: string }>(
        `SELECT lease, valid_from FROM lease_facts WHERE year = $1 AND valid_to IS NULL AND lease->>'bailleurId' = $2`,
        [year, bailleurId],
      ),
      readFluxCounts(pool, bailleurId, year),
      store.readStream(bilanStreamId(bailleurId, year)),
      readEtatReservataires(pool),
    ]);
    const bilan = bailleurBilan({
      bailleurId,
      year,
      leases: leases.rows.map((row) => ({ lease: row.lease, position: Number(row.valid_from) })),
      flux,
      etatReservataires: etat,
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

  @Access({ roles: ['bailleur', 'admin'], tenancy: existingOwnedBy('bailleurs', 'bailleurId') })
  @Post('closure')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Close the bilan of a past year (FluxBilanClosed): facts recorded later for that year are shown apart',
  })
  close(
    @Param('bailleurId') bailleurParam: string,
    @Param('year') yearText: string,
    @Body() body: unknown,
    @Headers('idempotency-key') key: string | undefined,
    @Writer() writer: Writer,
  ) {
    const bailleurId = parseOrThrow(organisationId('Identifiant du bailleur'), bailleurParam);
    const year = parseOrThrow(yearParam, yearText);
    const { eventId, closedOn } = parseOrThrow(closureSchema, body);
    const data = { bailleurId, year, closedOn };
    return this.decisions.decide({
      streamId: bilanStreamId(bailleurId, year),
      decider: bilanDecider,
      context: apiWriteContext(eventIdFrom(eventId, key, false), writer),
      isRetryOf: (previous) => previous.type === 'FluxBilanClosed' && jsonEqual(previous.data, data),
      command: () => ({ type: 'CloseBilan' as const, data }),
    });
  }
}
