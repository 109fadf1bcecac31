import { Contract } from '../http/contract.js';
import { Controller, Get, Inject, Query, Req, Res } from '@nestjs/common';
import { ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ALERT_RULES, type AlertMeasure, type AlertRule } from '@vigie/domain';
import { listAlerts, readEtatReservataires } from '@vigie/projections';
import { percentCell, sendTable, wantsTable } from '../http/table.js';
import { instantCell } from '../http/xlsx.js';
import { DisplayNames } from '../referential/display-names.js';
import { TerritorialReferential } from '@vigie/referential';
import { ALERT_RULE_LABELS } from './alert-labels.js';
import { SCOPE_KIND_LABELS } from '../http/scope-labels.js';
import { epciSirenParam } from '../http/params.js';
import { parseOrThrow } from '../http/validation.js';
import { DATABASE_POOL, type DatabasePool, VIGIE_CONFIG } from '../platform/platform.module.js';
import type { VigieConfig } from '@vigie/config';
import { alertAudience } from './alert-visibility.js';
import { isSecret, type Principal } from '@vigie/access';
import { ALL_ROLES, Access, CurrentPrincipal } from '../access/access.decorators.js';
import { TenancyResolver } from '../access/tenancy.resolver.js';
import { FILTERED } from '../access/tenancies.js';

const querySchema = z.object({
  epci: epciSirenParam.optional(),
  status: z.enum(['ouverte', 'resolue']).optional(),
  rule: z.enum(ALERT_RULES).optional(),
  /**
   * `kind:id`, e.g. `bailleur:lmh`, `reservataire:action-logement`, or a PRIO obligation
   * `bailleur_reservataire:lmh:non_reserve`, a convention `convention:lmh:action-logement:C-1`.
   */
  scope: z
    .string()
    .regex(
      /^((epci|bailleur|reservataire|secteur|commune):[A-Za-z0-9._-]+|bailleur_reservataire:[A-Za-z0-9._-]+:[A-Za-z0-9._-]+|convention:[A-Za-z0-9._%-]+:[A-Za-z0-9._%-]+:[A-Za-z0-9._/%-]+)$/,
      'Périmètre attendu sous la forme type:identifiant (ex. bailleur:lmh, ou bailleur_reservataire:lmh:non_reserve pour une obligation PRIO).',
    )
    .optional(),
});

/** A flux alert's measure with its households counted masked when secret, with what is computed on them. */
function shareAlertMeasure(measure: AlertMeasure, threshold: number) {
  if (!isSecret(Math.ceil(measure.numerator), threshold)) return measure;
  return { ...measure, numerator: null, rate: null, neededToTarget: null, masked: ['numerator', 'rate', 'neededToTarget'] };
}

@ApiTags('alerts and live')
@Controller('v1/alerts')
export class AlertsController {
  constructor(
    @Inject(DATABASE_POOL) private readonly pool: DatabasePool,
    private readonly tenancy: TenancyResolver,
    @Inject(VIGIE_CONFIG) private readonly config: VigieConfig,
    private readonly territorial: TerritorialReferential,
  ) {}

  @Access({ roles: ALL_ROLES, tenancy: FILTERED })
  @Get()
  @Contract({
    summary: 'Alertes de dérive (déclenchées une fois, résolues une fois), avec les chiffres et positions qui les ont causées',
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
    @Req() request: FastifyRequest,
    @Res() response: FastifyReply,
  ): Promise<void> {
    const input = parseOrThrow(querySchema, {
      epci: query.epci || undefined,
      status: query.status || undefined,
      rule: query.rule || undefined,
      scope: query.scope || undefined,
    });
    // The kind is everything before the first `:`, the id all after it (a pair's or a convention's id holds `:` itself).
    const separator = input.scope?.indexOf(':') ?? -1;
    const [scopeKind, scopeId] =
      input.scope && separator > 0 ? [input.scope.slice(0, separator), input.scope.slice(separator + 1)] : [undefined, undefined];
    // Each organisation sees the alerts naming it as a party (alertAudience); the filters asked narrow that further.
    // The État's services see a convention that is not the préfet's under statistical secrecy (as its figures).
    const etat = principal.role === 'etat' ? await readEtatReservataires(this.pool) : null;
    const listed = await listAlerts(this.pool, {
      epciSiren: input.epci,
      audience: alertAudience(principal, this.tenancy),
      status: input.status,
      rule: input.rule,
      scopeKind,
      scopeId,
    });
    const partiesOf = new Map(listed.map((alert) => [alert.alertId, alert.parties]));
    const alerts = listed.map(({ parties, ...alert }) =>
      etat && alert.scope.kind === 'convention' && !parties.reservataires.some((id) => etat.has(id))
        ? { ...alert, measure: shareAlertMeasure(alert.measure as AlertMeasure, this.config.STATISTICAL_SECRECY_THRESHOLD) }
        : alert,
    );
    if (!wantsTable(request)) {
      response.code(200).send(alerts);
      return;
    }
    const names = await DisplayNames.read(this.pool, this.territorial);
    await sendTable(request, response, {
      filename: 'alertes',
      sheet: 'Alertes',
      headers: [
        'Alerte',
        'Statut',
        'Règle',
        'Code de la règle',
        'Objectif',
        'EPCI',
        'SIREN de l’EPCI',
        'Année',
        'Périmètre',
        'Nom du périmètre',
        'Identifiant du périmètre',
        'Taux au déclenchement (%)',
        'Cible (%)',
        'Déclenchée le',
        'Résolue le',
        'Position',
      ],
      rows: alerts.map((a) => {
        const measure = (a.measure ?? {}) as Partial<AlertMeasure>;
        // A PRIO pair's parties as the alert recorded them (its non-réservé side names no réservataire).
        const parties =
          a.scope.kind === 'bailleur_reservataire'
            ? {
                bailleurId: partiesOf.get(a.alertId)?.bailleurs[0] ?? '',
                reservataireId: partiesOf.get(a.alertId)?.reservataires[0] ?? 'non_reserve',
              }
            : undefined;
        return [
          a.alertId,
          a.status,
          ALERT_RULE_LABELS[a.rule as AlertRule] ?? a.rule,
          a.rule,
          a.objective,
          a.epciSiren ? names.epci(a.epciSiren) : null,
          a.epciSiren,
          a.year,
          SCOPE_KIND_LABELS[a.scope.kind as keyof typeof SCOPE_KIND_LABELS] ?? a.scope.kind,
          names.scope(a.scope.kind, a.scope.id, parties),
          a.scope.id,
          percentCell(measure.rate),
          percentCell(measure.target),
          instantCell(a.raisedAt),
          instantCell(a.resolvedAt),
          a.position,
        ];
      }),
    });
  }
}
