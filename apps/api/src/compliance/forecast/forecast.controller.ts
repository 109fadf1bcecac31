import { Controller, Get, Param, Query, Req, Res, Inject } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { FORECAST_LEVEL, forecastReport, type ForecastScope } from '@vigie/domain';
import { maskFigure, type Principal } from '@vigie/access';
import type { VigieConfig } from '@vigie/config';
import { ALL_ROLES, Access, CurrentPrincipal } from '../../access/access.decorators.js';
import { FILTERED } from '../../access/tenancies.js';
import { TenancyResolver } from '../../access/tenancy.resolver.js';
import { Contract } from '../../http/contract.js';
import { sendTable, wantsTable } from '../../http/table.js';
import { DATABASE_POOL, type DatabasePool, VIGIE_CONFIG } from '../../platform/platform.module.js';
import { TerritorialReferential } from '@vigie/referential';
import { DisplayNames } from '../../referential/display-names.js';
import { asOfOf } from '../../http/bitemporal.js';
import { percentCell } from '../../http/table.js';
import {
  ComplianceQueryDocs,
  complianceReader,
  parseComplianceQuery,
  SCOPE_HEADERS,
  scopeColumns,
} from '../compliance.controller.js';
import { ComplianceService } from '../compliance.service.js';
import { KnownOrganisationsService } from '../../referential/known-organisations.service.js';
import { assertKnownOrganisation } from '../../http/known-organisation.js';

/** Previous years whose months teach each scope its seasonality. */
const HISTORY_YEARS = 2;

type ShownScope = {
  readonly scope: ForecastScope['scope'];
  readonly figure: Record<string, unknown> & { readonly masked?: readonly string[] };
  readonly forecast: ForecastScope['forecast'] | null;
};

const SEASONALITY_FR = { history: 'Années précédentes', uniform: 'Calendrier' } as const;

/** The forecast as an export (CSV or XLSX): one row per objective and scope, names beside identifiers. */
function tableOf(
  view: {
    epciSiren: string;
    year: number;
    objectives: ReadonlyArray<{ id: string; scopes: readonly ShownScope[] }>;
  },
  names: DisplayNames,
) {
  const headers = [
    ...SCOPE_HEADERS,
    'Numérateur',
    'Dénominateur',
    'Taux (%)',
    'Cible (%)',
    'Taux attendu au 31/12 (%)',
    `Borne basse (${FORECAST_LEVEL * 100} %)`,
    `Borne haute (${FORECAST_LEVEL * 100} %)`,
    'Probabilité d’atteindre la cible (%)',
    'Attributions qualifiantes à trouver d’ici fin d’année',
    'Saisonnalité',
  ];
  const rows = view.objectives.flatMap((objective) =>
    objective.scopes.map(({ scope, figure, forecast }) => [
      ...scopeColumns(names, view, objective.id, scope),
      figure.numerator as number | null,
      figure.denominator as number | null,
      percentCell(figure.rate as number | null),
      percentCell(figure.target as number | null),
      percentCell(forecast?.expectedRate ?? null),
      percentCell(forecast?.interval?.low ?? null),
      percentCell(forecast?.interval?.high ?? null),
      percentCell(forecast?.probabilityOfTarget ?? null),
      forecast?.neededToTarget ?? null,
      forecast ? SEASONALITY_FR[forecast.seasonality] : null,
    ]),
  );
  return { headers, rows };
}

@ApiTags('compliance')
@Controller('v1/epcis/:epci/compliance/forecast')
export class ForecastController {
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
      'Prévision au 31 décembre de chaque objectif et périmètre : taux attendu au rythme actuel (saisonnalité apprise des deux années précédentes quand elles existent), intervalle à 90 %, probabilité d’atteindre la cible, à côté des attributions qualifiantes à trouver ; mêmes paramètres et même secret statistique que la lecture de conformité (méthode : docs/forecast.md)',
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
    const reader = complianceReader(principal, input.epci, this.tenancy);
    await assertKnownOrganisation(this.known, 'epci', input.epci);
    const asOf = asOfOf(input.asOf);
    const { view } = await this.compliance.compliance(input.epci, input.year, input.groupBy, asOf, input.signedUntil);
    // The previous years as Vigie knew them at the same position (whole years: their months teach the seasonality).
    const history = await Promise.all(
      Array.from({ length: HISTORY_YEARS }, (_, i) =>
        this.compliance.compliance(input.epci, input.year - 1 - i, input.groupBy, { position: view.asOf.position }),
      ),
    );
    const threshold = this.config.STATISTICAL_SECRECY_THRESHOLD;
    const objectives = forecastReport(
      view,
      history.map((h) => h.view),
      view.referenceDate,
    ).map((objective) => ({
      ...objective,
      scopes: objective.scopes.flatMap(({ scope, figure, forecast }): ShownScope[] => {
        const { monthly: _monthly, ...counts } = figure;
        if (reader === 'owner') return [{ scope, figure: counts, forecast }];
        const seen = reader(scope);
        if (seen === 'hidden') return [];
        if (seen === 'full') return [{ scope, figure: { ...counts, masked: [] }, forecast }];
        // A forecast is computed on the counts: masked with them.
        const { monthly: _masked, ...shared } = maskFigure(figure, threshold);
        return [{ scope, figure: shared, forecast: shared.numerator === null || shared.denominator === null ? null : forecast }];
      }),
    }));
    const answer = {
      epciSiren: view.epciSiren,
      year: view.year,
      groupBy: view.groupBy,
      referenceDate: view.referenceDate,
      signedUntil: view.signedUntil,
      asOf: view.asOf,
      freshness: view.freshness,
      level: FORECAST_LEVEL,
      method:
        'Bêta-binomiale (a priori de Jeffreys) au rythme de l’année, saisonnalité des volumes apprise des années précédentes : docs/forecast.md',
      objectives,
      ...(reader === 'owner'
        ? {}
        : {
            statisticalSecrecy: {
              threshold,
              rule: `Effectifs de 1 à ${threshold - 1} masqués (null), ainsi que les taux, écarts, statuts et prévisions calculés sur eux.`,
            },
          }),
    };
    response.header('X-Vigie-Position', String(view.asOf.position));
    if (wantsTable(request)) {
      await sendTable(request, response, {
        filename: `prevision-${view.epciSiren}-${view.year}${view.groupBy ? `-par-${view.groupBy}` : ''}`,
        sheet: 'Prévision',
        ...tableOf(answer, await DisplayNames.read(this.pool, this.territorial)),
      });
      return;
    }
    response.code(200).send(answer);
  }
}
