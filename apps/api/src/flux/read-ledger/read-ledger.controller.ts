import { Contract } from '../../http/contract.js';
import { organisationId } from '../../http/identifiers.js';
import { Controller, Get, Inject, Param, Query, Req, Res } from '@nestjs/common';
import { ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { readLedger } from '@vigie/projections';
import { z } from 'zod';
import { bitemporalInput, bitemporalQuery, BitemporalQueries, readFluxAsOf } from '../../http/bitemporal.js';
import { dayCell, instantCell, XLSX_MEDIA_TYPE } from '../../http/xlsx.js';
import { sendTable, wantsTable } from '../../http/table.js';
import { TerritorialReferential } from '@vigie/referential';
import { DisplayNames } from '../../referential/display-names.js';
import { yearParam } from '../../http/params.js';
import { parseOrThrow } from '../../http/validation.js';
import { DATABASE_POOL, type DatabasePool } from '../../platform/platform.module.js';
import { Access } from '../../access/access.decorators.js';
import { existingOwnedBy } from '../../access/tenancies.js';
import { KnownOrganisationsService } from '../../referential/known-organisations.service.js';
import { assertKnownOrganisation } from '../../http/known-organisation.js';

const RULE_FR = {
  bail_signe: 'Bail signé',
  mobilite_inter_bailleurs: 'Mobilité inter-bailleurs',
  refus_apres_cal: 'Refus après CAL',
  validation_a_posteriori: 'Validation a posteriori',
} as const;

@ApiTags('audit')
@Controller('v1/reservataires/:reservataireId/ledger')
export class ReadLedgerController {
  constructor(
    @Inject(DATABASE_POOL) private readonly pool: DatabasePool,
    private readonly territorial: TerritorialReferential,
    private readonly known: KnownOrganisationsService,
  ) {}

  @Access({ roles: ['reservataire', 'admin'], tenancy: existingOwnedBy('reservataires', 'reservataireId') })
  @Get()
  @Contract({
    summary:
      'Registre d’audit d’un réservataire : une ligne par fait décompté pour lui dans l’année, avec l’événement et la position qui le prouvent',
    answer: 'read',
    csv: true,
    errors: ['RESERVATAIRE_NOT_FOUND', 'AS_OF_NOT_REACHED'],
  })
  @ApiQuery({ name: 'year', required: true })
  @ApiQuery({ name: 'bailleur', required: false })
  @BitemporalQueries('facts')
  @ApiProduces('application/json', 'text/csv', XLSX_MEDIA_TYPE)
  async ledger(
    @Param('reservataireId') reservataireParam: string,
    @Query() query: Record<string, string>,
    @Req() request: FastifyRequest,
    @Res() response: FastifyReply,
  ): Promise<void> {
    const reservataireId = parseOrThrow(organisationId('Identifiant du réservataire'), reservataireParam, 'reservataireId');
    const year = parseOrThrow(yearParam, query.year);
    const bailleurId = query.bailleur ? parseOrThrow(organisationId('Identifiant du bailleur'), query.bailleur) : undefined;
    const times = parseOrThrow(z.object(bitemporalQuery), bitemporalInput(query));
    await assertKnownOrganisation(this.known, 'reservataire', reservataireId);
    const at = await readFluxAsOf(this.pool, times.asOf);
    const ledger = await readLedger(this.pool, reservataireId, year, bailleurId, {
      position: at?.position ?? null,
      signedUntil: times.signedUntil ?? null,
    });
    if (at) response.header('X-Vigie-Position', String(at.position));
    const names = await DisplayNames.read(this.pool, this.territorial);
    if (!wantsTable(request)) {
      // Each row's commune by name too (communeName, null when the referential does not name it), as the exports give it.
      const rows = ledger.rows.map((row) => ({ ...row, communeName: names.commune(row.communeInsee) }));
      response.code(200).send({ ...ledger, rows, asOf: at?.view ?? null, signedUntil: times.signedUntil ?? null });
      return;
    }
    // Bailleur and commune by name, their identifiers beside; the date a date cell, the recording time in Paris time.
    await sendTable(request, response, {
      filename: `registre-${reservataireId}-${year}`,
      sheet: 'Registre',
      headers: [
        'Date',
        'Bailleur',
        'Identifiant du bailleur',
        'Convention',
        'RPLS',
        'Commune',
        'Code INSEE de la commune',
        'QPV',
        'Règle de décompte',
        'Poids',
        'Événement',
        'Position',
        'Enregistré le',
        'Auteur',
      ],
      rows: ledger.rows.map((r) => [
        dayCell(r.date),
        names.bailleur(r.bailleurId),
        r.bailleurId,
        r.conventionId,
        r.rplsId,
        names.commune(r.communeInsee),
        r.communeInsee,
        r.inQpv ? 'oui' : 'non',
        RULE_FR[r.rule],
        r.weight,
        r.eventId,
        r.globalPosition,
        instantCell(r.recordedAt),
        r.actor,
      ]),
    });
  }
}
