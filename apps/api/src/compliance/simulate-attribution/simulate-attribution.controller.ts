import { Body, Controller, HttpCode, Inject, Param, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ApiParam, ApiTags } from '@nestjs/swagger';
import type { Principal } from '@vigie/access';
import { TenancyResolver } from '../../access/tenancy.resolver.js';
import { complianceReader } from '../compliance.controller.js';
import type { VigieConfig } from '@vigie/config';
import { Access, CurrentPrincipal } from '../../access/access.decorators.js';
import { FLAT_OF_SIMULATION } from '../../access/tenancies.js';
import { sendJson } from '../../http/cached-answer.js';
import { JsonBody } from '../../http/body.js';
import { Contract } from '../../http/contract.js';
import { epciSirenParam } from '../../http/params.js';
import { invalidField, notFound } from '../../http/problem.js';
import { parseOrThrow } from '../../http/validation.js';
import { VIGIE_CONFIG } from '../../platform/platform.module.js';
import { SIMULATION_EXAMPLE, simulateAttributionSchema } from './simulate-attribution.schema.js';
import { SimulateAttributionService, simulationJson } from './simulate-attribution.service.js';

@ApiTags('compliance')
@Controller('v1/epcis/:epci/compliance/simulations')
export class SimulateAttributionController {
  constructor(
    private readonly simulations: SimulateAttributionService,
    private readonly tenancy: TenancyResolver,
    @Inject(VIGIE_CONFIG) private readonly config: VigieConfig,
  ) {}

  @Access({ roles: ['bailleur', 'epci', 'etat', 'admin'], tenancy: FLAT_OF_SIMULATION('epci') })
  @JsonBody()
  @Post()
  @HttpCode(200)
  @Contract({
    summary:
      'Simuler une attribution en CAL : pour un logement libéré et jusqu’à dix ménages candidats, les chiffres de chaque objectif et périmètre que l’attribution ferait bouger (EPCI, bailleur, réservataire, secteur, bailleur × réservataire) et le flux de la convention sur laquelle le bail compterait, avant et après, l’écart en points (au millième de point) et le franchissement de la cible ou de l’engagement. Rien n’est enregistré ; un bailleur simule sur ses logements et voit les autres périmètres sous secret statistique',
    answer: 'read',
    body: { schema: simulateAttributionSchema, example: SIMULATION_EXAMPLE },
    errors: [
      'FLAT_NOT_FOUND',
      'BAILLEUR_NOT_REGISTERED',
      'RESERVATAIRE_NOT_REGISTERED',
      'EPCI_NOT_REGISTERED',
      'LEASE_DATE_IN_FUTURE',
      'COMMUNE_UNKNOWN',
      'COMMUNE_NOT_IN_EPCI',
      'QPV_UNKNOWN',
      'QPV_NOT_IN_FORCE',
      'QPV_NOT_IN_COMMUNE',
    ],
  })
  @ApiParam({ name: 'epci', example: '200093201' })
  async simulate(
    @Param('epci') epci: string,
    @Body() body: unknown,
    @CurrentPrincipal() principal: Principal,
    @Res() response: FastifyReply,
  ): Promise<void> {
    const siren = parseOrThrow(epciSirenParam, epci, 'epci');
    const input = parseOrThrow(simulateAttributionSchema, body);
    if (input.flat.epciSiren !== siren) {
      throw invalidField(
        'flat.epciSiren',
        'INVALID_VALUE',
        `flat.epciSiren : le logement simulé doit être dans l’EPCI du chemin (${siren}) ; simulez sur /v1/epcis/${input.flat.epciSiren}/compliance/simulations.`,
      );
    }
    // A flat never released is unknown to every role, admin included (the access rule lets admin through unchecked).
    if (!(await this.tenancy.flat(input.bailleurId, input.flat.rplsId))) throw notFound('FLAT_NOT_FOUND');
    // The access rule let a bailleur through on its own flat only; the EPCI, the État and admin own the figures.
    const visibility = complianceReader(principal, siren, this.tenancy);
    const reader = visibility === 'owner' ? visibility : { visibility, threshold: this.config.STATISTICAL_SECRECY_THRESHOLD };
    // The convention is the bailleur's own (it simulates on its own flat): whole to it and admin; the
    // État sees its contingent whole and other conventions, like the EPCI, under statistical secrecy.
    const fluxReader =
      principal.role === 'bailleur' || principal.role === 'admin' ? 'whole' : principal.role === 'etat' ? 'etat' : 'other';
    const view = await this.simulations.simulate(siren, input, reader, fluxReader, this.config.STATISTICAL_SECRECY_THRESHOLD);
    // Written as is: Express's send would hash the whole answer (~70 kB) for an ETag no one can use,
    // as the answer of a POST is never revalidated (If-None-Match applies to GET and HEAD).
    sendJson(response, simulationJson(view));
  }
}
