import { Contract } from '../http/contract.js';
import { readComplianceRules } from '@vigie/projections';
import { SCOPE_KIND_LABELS } from '../http/scope-labels.js';
import { applyDecorators, Controller, Get, Inject, Param, Query, Req, Res } from '@nestjs/common';
import { ApiParam, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { GROUP_BYS } from '@vigie/domain';
import { asOfOf, bitemporalInput, bitemporalQuery, BitemporalQueries } from '../http/bitemporal.js';
import { epciSirenParam, yearParam } from '../http/params.js';
import { percentCell, sendTable, wantsTable } from '../http/table.js';
import { sendJsonBytes } from '../http/cached-answer.js';
import { XLSX_MEDIA_TYPE } from '../http/xlsx.js';
import { DisplayNames } from '../referential/display-names.js';
import { TerritorialReferential } from '@vigie/referential';
import { parseOrThrow } from '../http/validation.js';
import { ComplianceService, type ComplianceView } from './compliance.service.js';
import { owns, type Principal, type ScopeVisibility, shareComplianceReport, sharedScopeVisibility } from '@vigie/access';
import { ALL_ROLES, Access, CurrentPrincipal } from '../access/access.decorators.js';
import { TenancyResolver } from '../access/tenancy.resolver.js';
import { notFound } from '../http/problem.js';
import type { VigieConfig } from '@vigie/config';
import { DATABASE_POOL, type DatabasePool, VIGIE_CONFIG } from '../platform/platform.module.js';
import { FILTERED } from '../access/tenancies.js';
import { KnownOrganisationsService } from '../referential/known-organisations.service.js';
import { assertKnownOrganisation } from '../http/known-organisation.js';

type SharedComplianceView = ReturnType<typeof shareComplianceReport<ComplianceView>>;

/** Query of the compliance reads (figures, forecast): EPCI, year, grouping, the two times. */
export const complianceQuerySchema = z.object({
  epci: epciSirenParam,
  year: yearParam,
  groupBy: z.enum(GROUP_BYS).optional(),
  ...bitemporalQuery,
});

const STATUS_FR = { atteint: 'Atteint', en_retard: 'En retard', non_evaluable: 'Non évaluable' } as const;

/** The first columns of a figure's row in an export: the EPCI and the scope, each by name and identifier. */
export const SCOPE_HEADERS = ['EPCI', 'SIREN de l’EPCI', 'Année', 'Objectif', 'Périmètre', 'Nom', 'Identifiant'] as const;

export function scopeColumns(
  names: DisplayNames,
  view: { readonly epciSiren: string; readonly year: number },
  objective: string,
  scope: {
    readonly kind: keyof typeof SCOPE_KIND_LABELS;
    readonly id: string;
    readonly parties?: { bailleurId: string; reservataireId: string | null };
  },
) {
  return [
    names.epci(view.epciSiren),
    view.epciSiren,
    view.year,
    objective,
    SCOPE_KIND_LABELS[scope.kind],
    names.scope(scope.kind, scope.id, scope.parties),
    scope.id,
  ];
}

/** The figures as an export (CSV or XLSX): one row per objective and scope, names beside identifiers. */
function tableOf(view: ComplianceView | SharedComplianceView, names: DisplayNames) {
  const headers = [
    ...SCOPE_HEADERS,
    'Numérateur',
    'Dénominateur',
    'Taux (%)',
    'Cible (%)',
    'Écart (points)',
    'Statut',
    'Q1 inconnu',
    'Q1 en attente de seuil',
    'Mutations internes',
    'Attributions qualifiantes à trouver d’ici fin d’année',
    'Position',
  ];
  const rows = view.objectives.flatMap((objective) =>
    objective.scopes.map(({ scope, figure }) => [
      ...scopeColumns(names, view, objective.id, scope),
      figure.numerator,
      figure.denominator,
      percentCell(figure.rate),
      percentCell(figure.target),
      percentCell(figure.gap),
      STATUS_FR[figure.status],
      figure.unknownQ1,
      figure.pendingQ1,
      figure.internalMutations,
      figure.neededToTarget,
      view.asOf.position,
    ]),
  );
  return { headers, rows };
}

/** The OpenAPI parameters of a compliance read (figures, forecast): path, year, grouping, the two times, format. */
export const ComplianceQueryDocs = () =>
  applyDecorators(
    ApiParam({ name: 'epci', example: '200093201' }),
    ApiQuery({ name: 'year', required: true, example: 2026 }),
    ApiQuery({ name: 'groupBy', required: false, enum: GROUP_BYS }),
    BitemporalQueries(),
    ApiProduces('application/json', 'text/csv', XLSX_MEDIA_TYPE),
  );

/** A compliance read's query, parsed strictly (400 naming the parameter). */
export function parseComplianceQuery(epci: string, query: Record<string, string>) {
  return parseOrThrow(complianceQuerySchema, {
    epci,
    year: query.year,
    groupBy: query.groupBy || undefined,
    ...bitemporalInput(query),
  });
}

/**
 * The EPCI, the État of its départements and admin own these figures and see them whole.
 * A bailleur or a réservataire sees a shared view: its own scope whole, the other bailleurs'
 * (or réservataires') not at all, every other figure under statistical secrecy. Another EPCI or
 * another département's État gets the 404 of an unknown resource.
 */
export function complianceReader(principal: Principal, siren: string, tenancy: TenancyResolver): 'owner' | ScopeVisibility {
  if (principal.role === 'admin') return 'owner';
  if (principal.role === 'epci' || principal.role === 'etat') {
    if (owns(principal, tenancy.epci(siren))) return 'owner';
    throw notFound('NOT_FOUND');
  }
  return sharedScopeVisibility(principal.role, principal.tenant ?? '');
}

@ApiTags('compliance')
@Controller('v1/epcis/:epci/compliance')
export class ComplianceController {
  constructor(
    private readonly compliance: ComplianceService,
    private readonly tenancy: TenancyResolver,
    @Inject(VIGIE_CONFIG) private readonly config: VigieConfig,
    @Inject(DATABASE_POOL) private readonly pool: DatabasePool,
    private readonly territorial: TerritorialReferential,
    private readonly known: KnownOrganisationsService,
  ) {}

  @Access({ roles: ALL_ROLES, tenancy: FILTERED })
  @Get()
  @Contract({
    summary:
      'Respect des objectifs de la CIA pour une année (HQ1, QNQ1, PRIO, ANRU, TERR) : numérateur, dénominateur, taux, cible, écart, statut, trajectoire mensuelle et besoin pour atteindre la cible. Deux temps, combinables : asOf (ce que Vigie savait alors : position globale ou horodatage ISO 8601 avec fuseau) et signedUntil (baux signés jusqu’à une date AAAA-MM-JJ)',
    answer: 'read',
    csv: true,
    errors: ['NOT_FOUND', 'EPCI_NOT_FOUND', 'AS_OF_NOT_REACHED'],
  })
  @ComplianceQueryDocs()
  async get(
    @Param('epci') epci: string,
    @Query() query: Record<string, string>,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
    @Res() response: FastifyReply,
  ): Promise<void> {
    const input = parseComplianceQuery(epci, query);
    const asOf = asOfOf(input.asOf);
    const reader = complianceReader(principal, input.epci, this.tenancy);
    // After the reader is judged: another EPCI's État or EPCI gets the same 404 NOT_FOUND, known or not.
    await assertKnownOrganisation(this.known, 'epci', input.epci);
    const { view, body, etag } = await this.compliance.compliance(input.epci, input.year, input.groupBy, asOf, input.signedUntil);
    response.header('X-Vigie-Position', String(view.asOf.position));
    const shared = reader === 'owner' ? null : shareComplianceReport(view, this.config.STATISTICAL_SECRECY_THRESHOLD, reader);
    if (wantsTable(request)) {
      await sendTable(request, response, {
        filename: `conformite-${view.epciSiren}-${view.year}${view.groupBy ? `-par-${view.groupBy}` : ''}`,
        sheet: 'Conformité',
        ...tableOf(
          shared ?? view,
          // Sectors are named by the CIA in force at the figures' position.
          (await DisplayNames.read(this.pool, this.territorial)).withSectors(
            (await readComplianceRules(this.pool, view.epciSiren, view.year, view.asOf.position)).cia.sectors,
          ),
        ),
      });
      return;
    }
    if (shared) {
      response.code(200).send(shared);
      return;
    }
    // Serialised and tagged once per result; 304 to a matching If-None-Match.
    sendJsonBytes(request, response, body, etag);
  }
}
