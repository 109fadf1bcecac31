import { Controller, Get, Inject, Param } from '@nestjs/common';
import { ApiParam, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { listReferentialEntries } from '@vigie/projections';
import { TerritorialReferential } from '@vigie/referential';
import { ALL_ROLES, Access } from '../access/access.decorators.js';
import { NO_TENANT } from '../access/tenancies.js';
import { TenancyResolver } from '../access/tenancy.resolver.js';
import { Contract } from '../http/contract.js';
import { departement } from '../http/identifiers.js';
import { parseOrThrow } from '../http/validation.js';
import { assertKnownDepartement } from '../http/known-organisation.js';
import { KnownOrganisationsService } from '../referential/known-organisations.service.js';
import { DATABASE_POOL, type DatabasePool } from '../platform/platform.module.js';

/**
 * The EPCIs of a département (those with a commune in it, as the État's services there oversee
 * them), named, for the État's page that puts them side by side. Public referential data (any
 * role): the official referential, and whether Vigie has the EPCI registered.
 */
@ApiTags('referential')
@Controller('v1/departements/:departement/epcis')
export class DepartementEpcisController {
  constructor(
    @Inject(DATABASE_POOL) private readonly pool: DatabasePool,
    private readonly territorial: TerritorialReferential,
    private readonly tenancy: TenancyResolver,
    private readonly known: KnownOrganisationsService,
  ) {}

  @Access({ roles: ALL_ROLES, tenancy: NO_TENANT })
  @Get()
  @Contract({
    summary: 'Les EPCI d’un département (référentiel officiel), nommés, et ceux enregistrés dans Vigie',
    answer: 'read',
    errors: ['DEPARTEMENT_NOT_FOUND'],
  })
  @ApiParam({ name: 'departement', example: '59' })
  async epcis(@Param('departement') code: string) {
    const input = parseOrThrow(z.object({ departement }), { departement: code });
    assertKnownDepartement(this.known, input.departement);
    const registered = new Map(
      (await listReferentialEntries<{ siren: string; name?: string }>(this.pool, 'epci')).map((entry) => [entry.siren, entry]),
    );
    const epcis = this.tenancy.epcisOfDepartement(input.departement).map((siren) => ({
      siren,
      name: registered.get(siren)?.name ?? this.territorial.epci(siren)?.name ?? siren,
      registered: registered.has(siren),
    }));
    epcis.sort((a, b) => a.name.localeCompare(b.name, 'fr'));
    return { departement: input.departement, epcis };
  }
}
