import { Contract } from '../http/contract.js';
import { Controller, Get, Inject, Query, Req, Res } from '@nestjs/common';
import { ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { ALERT_RULES } from '@vigie/domain';
import { listAlerts } from '@vigie/projections';
import { csvTimestamp, sendCsv, toCsv, wantsCsv } from '../http/csv.js';
import { epciSirenParam } from '../http/params.js';
import { parseOrThrow } from '../http/validation.js';
import { DATABASE_POOL, type DatabasePool } from '../platform/platform.module.js';
import type { Principal } from '@vigie/access';
import { ALL_ROLES, Access, CurrentPrincipal } from '../access/access.decorators.js';
import { TenancyResolver } from '../access/tenancy.resolver.js';
import { FILTERED } from '../access/tenancies.js';

const querySchema = z.object({
  epci: epciSirenParam.optional(),
  status: z.enum(['ouverte', 'resolue']).optional(),
  rule: z.enum(ALERT_RULES).optional(),
  /** `kind:id`, e.g. `bailleur:lmh` or `reservataire:action-logement`. */
  scope: z
    .string()
    .regex(
      /^(epci|bailleur|reservataire|secteur|commune):[A-Za-z0-9._-]+$/,
      'Périmètre attendu sous la forme type:identifiant (ex. bailleur:lmh).',
    )
    .optional(),
});

@ApiTags('alerts and live')
@Controller('v1/alerts')
export class AlertsController {
  constructor(
    @Inject(DATABASE_POOL) private readonly pool: DatabasePool,
    private readonly tenancy: TenancyResolver,
  ) {}

  @Access({ roles: ALL_ROLES, tenancy: FILTERED })
  @Get()
  @Contract({
    summary: 'Alertes de dérive (levées une fois, résolues une fois), avec les chiffres et positions qui les ont causées',
    answer: 'read',
    csv: true,
  })
  @ApiQuery({ name: 'epci', required: false })
  @ApiQuery({ name: 'status', required: false, enum: ['ouverte', 'resolue'] })
  @ApiQuery({ name: 'rule', required: false, enum: ALERT_RULES })
  @ApiQuery({ name: 'scope', required: false, description: 'kind:id, e.g. bailleur:lmh' })
  async list(
    @Query() query: Record<string, string>,
    @CurrentPrincipal() principal: Principal,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    const input = parseOrThrow(querySchema, {
      epci: query.epci || undefined,
      status: query.status || undefined,
      rule: query.rule || undefined,
      scope: query.scope || undefined,
    });
    const [scopeKind, scopeId] = input.scope ? input.scope.split(':') : [undefined, undefined];
    // Each organisation sees the alerts about itself: its EPCI, the EPCIs of its département, its
    // own scope as bailleur or réservataire. The filters asked narrow that further.
    const own = principal.tenant ?? '';
    const restriction =
      principal.role === 'epci'
        ? { epciSirens: [own] }
        : principal.role === 'etat'
          ? { epciSirens: this.tenancy.epcisOfDepartement(own) }
          : principal.role === 'bailleur' || principal.role === 'reservataire'
            ? { ownScope: principal.role, ownId: own }
            : {};
    const clash =
      'ownScope' in restriction &&
      ((scopeKind && scopeKind !== restriction.ownScope) || (scopeId && scopeId !== restriction.ownId));
    const alerts = clash
      ? []
      : await listAlerts(this.pool, {
          epciSiren: input.epci,
          epciSirens: 'epciSirens' in restriction ? restriction.epciSirens : undefined,
          status: input.status,
          rule: input.rule,
          scopeKind: 'ownScope' in restriction ? restriction.ownScope : scopeKind,
          scopeId: 'ownScope' in restriction ? restriction.ownId : scopeId,
        });
    if (!wantsCsv(request)) {
      response.status(200).json(alerts);
      return;
    }
    sendCsv(
      response,
      'alertes.csv',
      toCsv(
        [
          'Alerte',
          'Statut',
          'Règle',
          'Objectif',
          'EPCI',
          'Année',
          'Périmètre',
          'Identifiant',
          'Levée le',
          'Résolue le',
          'Position',
        ],
        alerts.map((a) => [
          a.alertId,
          a.status,
          a.rule,
          a.objective,
          a.epciSiren,
          a.year,
          a.scope.kind,
          a.scope.id,
          csvTimestamp(a.raisedAt),
          csvTimestamp(a.resolvedAt),
          a.position,
        ]),
      ),
    );
  }
}
