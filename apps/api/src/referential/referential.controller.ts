import { randomUUID } from 'node:crypto';
import { Body, Controller, Get, Inject, Param, Put } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  departementOfQpv,
  referentialDecider,
  referentialStreamId,
  type ReferentialEntries,
  type ReferentialKind,
} from '@vigie/domain';
import { listReferentialEntries } from '@vigie/projections';
import { OFFICIAL_REFERENTIAL, qpvListPeriod, TerritorialReferential } from '@vigie/referential';
import { ProblemError } from '../http/problem.js';
import { parseOrThrow } from '../http/validation.js';
import { RUNTIME, type Runtime } from '../runtime/runtime.js';
import { DecisionsService } from '../shared/decisions.service.js';
import { apiWriteContext, Writer } from '../shared/write-context.js';
import {
  bailleurBodySchema,
  epciBodySchema,
  identifierParam,
  qpvBodySchema,
  qpvCodeParam,
  reservataireBodySchema,
  sirenParam,
} from './referential.schemas.js';
import { ALL_ROLES, Access } from '../access/access.decorators.js';
import { CLAIMED_QPV, NO_TENANT, claimedEpci } from '../access/tenancies.js';

/**
 * The referential, registered as events. PUT is idempotent: the same attributes record
 * nothing (`recorded: false`), other attributes record an update.
 */
@ApiTags('referential')
@Controller('v1')
export class ReferentialController {
  constructor(
    private readonly decisions: DecisionsService,
    private readonly territorial: TerritorialReferential,
    @Inject(RUNTIME) private readonly runtime: Runtime,
  ) {}

  private register<K extends ReferentialKind>(kind: K, id: string, data: ReferentialEntries[K], writer: Writer) {
    return this.decisions.decide({
      streamId: referentialStreamId(kind, id),
      decider: referentialDecider,
      context: apiWriteContext(randomUUID(), writer),
      isRetryOf: () => false,
      command: () => ({ type: 'RegisterReferentialEntry' as const, kind, data }),
    });
  }

  @Access({ roles: ['epci', 'admin'], tenancy: claimedEpci('siren') })
  @Put('epcis/:siren')
  @ApiOperation({
    summary:
      'Register an EPCI Vigie follows, or a dated composition of it (name and communes default to the official Etalab referential)',
    description:
      'A composition is in force from `validFrom` (default: 2026-01-01, the first day the shipped official referential describes) ' +
      'until the next registered version starts (or `validTo`). On each day, an EPCI’s members are those of its registered version ' +
      'in force, else those of the official referential: never a mix of both.',
  })
  async putEpci(@Param('siren') siren: string, @Body() body: unknown, @Writer() writer: Writer) {
    const valid = parseOrThrow(sirenParam, siren);
    const input = parseOrThrow(epciBodySchema, body ?? {});
    const unknown = (input.communes ?? []).filter((code) => this.territorial.commune(code)?.kind !== 'commune-actuelle');
    if (unknown.length) {
      throw new ProblemError(
        422,
        'COMMUNE_UNKNOWN',
        'Code commune INSEE inconnu du référentiel territorial (une commune, pas un arrondissement).',
        { communes: unknown },
      );
    }
    const official = this.territorial.epci(valid);
    if (!official && !(input.name && input.communes)) {
      throw new ProblemError(404, 'EPCI_UNKNOWN', 'EPCI inconnu du référentiel officiel : indiquez son nom et ses communes.', {
        siren: valid,
      });
    }
    const entry = {
      siren: valid,
      name: input.name ?? official!.name,
      communes: [...(input.communes ?? official!.communes)].sort(),
      validFrom: input.validFrom ?? OFFICIAL_REFERENTIAL.describesFrom,
      ...(input.validTo !== undefined ? { validTo: input.validTo } : {}),
    };
    return { ...(await this.register('epci', valid, entry, writer)), entry };
  }

  @Access({ roles: ['etat', 'admin'], tenancy: CLAIMED_QPV })
  @Put('qpvs/:code')
  @ApiOperation({
    summary: 'Register a QPV with its list (2015 or 2024), its communes and its validity period',
    description:
      'Without validFrom / validTo, a QPV takes the period of its list in its territory: 2024 list from 2024-01-01 in ' +
      'metropolitan France, from 2025-01-01 overseas (971–976); the period is then recorded with the QPV.',
  })
  async putQpv(@Param('code') code: string, @Body() body: unknown, @Writer() writer: Writer) {
    const valid = parseOrThrow(qpvCodeParam, code);
    const input = parseOrThrow(qpvBodySchema, body);
    const defaults = qpvListPeriod(input.list, departementOfQpv(valid));
    const entry = {
      code: valid,
      name: input.name,
      list: input.list,
      communes: [...input.communes].sort(),
      validFrom: input.validFrom ?? defaults.validFrom,
      validTo: input.validTo === undefined ? defaults.validTo : input.validTo,
    };
    return { ...(await this.register('qpv', valid, entry, writer)), entry };
  }

  @Access({ roles: ['admin'], tenancy: NO_TENANT })
  @Put('bailleurs/:id')
  @ApiOperation({ summary: 'Register a bailleur (organisme HLM)' })
  async putBailleur(@Param('id') id: string, @Body() body: unknown, @Writer() writer: Writer) {
    const valid = parseOrThrow(identifierParam, id);
    const entry = { id: valid, ...parseOrThrow(bailleurBodySchema, body) };
    return { ...(await this.register('bailleur', valid, entry, writer)), entry };
  }

  @Access({ roles: ['admin'], tenancy: NO_TENANT })
  @Put('reservataires/:id')
  @ApiOperation({ summary: 'Register a réservataire (État, collectivité, Action Logement…)' })
  async putReservataire(@Param('id') id: string, @Body() body: unknown, @Writer() writer: Writer) {
    const valid = parseOrThrow(identifierParam, id);
    const entry = { id: valid, ...parseOrThrow(reservataireBodySchema, body) };
    return { ...(await this.register('reservataire', valid, entry, writer)), entry };
  }

  @Access({ roles: ALL_ROLES, tenancy: NO_TENANT })
  @Get('qpvs')
  @ApiOperation({ summary: 'Registered QPVs' })
  qpvs() {
    return listReferentialEntries(this.runtime.pool, 'qpv');
  }

  @Access({ roles: ALL_ROLES, tenancy: NO_TENANT })
  @Get('bailleurs')
  @ApiOperation({ summary: 'Registered bailleurs' })
  bailleurs() {
    return listReferentialEntries(this.runtime.pool, 'bailleur');
  }

  @Access({ roles: ALL_ROLES, tenancy: NO_TENANT })
  @Get('reservataires')
  @ApiOperation({ summary: 'Registered réservataires' })
  reservataires() {
    return listReferentialEntries(this.runtime.pool, 'reservataire');
  }
}
