import { Controller, Get, Inject, Param } from '@nestjs/common';
import { ApiParam, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { TerritorialReferential } from '@vigie/referential';
import { ALL_ROLES, Access } from '../access/access.decorators.js';
import { NO_TENANT } from '../access/tenancies.js';
import { Contract } from '../http/contract.js';
import { assertKnownOrganisation } from '../http/known-organisation.js';
import { KnownOrganisationsService } from '../referential/known-organisations.service.js';
import { epciSirenParam } from '../http/params.js';
import { parseOrThrow } from '../http/validation.js';
import { DATABASE_POOL, type DatabasePool } from '../platform/platform.module.js';
import { DisplayNames } from '../referential/display-names.js';

/**
 * The names a page shows in place of codes, for one EPCI: its own, its communes' (official
 * referential, millésime shipped), the registered bailleurs' and réservataires'. Public
 * referential data (any role): it tells nothing about leases.
 */
@ApiTags('referential')
@Controller('v1/epcis/:epci/names')
export class NamesController {
  constructor(
    @Inject(DATABASE_POOL) private readonly pool: DatabasePool,
    private readonly territorial: TerritorialReferential,
    private readonly known: KnownOrganisationsService,
  ) {}

  @Access({ roles: ALL_ROLES, tenancy: NO_TENANT })
  @Get()
  @Contract({
    summary: 'Les noms à afficher pour un EPCI : le sien, ceux de ses communes, des bailleurs et des réservataires enregistrés',
    answer: 'read',
    errors: ['EPCI_NOT_FOUND'],
  })
  @ApiParam({ name: 'epci', example: '200093201' })
  async names(@Param('epci') epci: string) {
    const siren = parseOrThrow(z.object({ epci: epciSirenParam }), { epci }).epci;
    // An EPCI Vigie does not know has no names to give: 404 EPCI_NOT_FOUND, not a null name.
    await assertKnownOrganisation(this.known, 'epci', siren);
    const names = await DisplayNames.read(this.pool, this.territorial);
    const communes = names.registeredEpci(siren)?.communes ?? this.territorial.epci(siren)?.communes ?? [];
    return {
      epci: { siren, name: names.epci(siren) },
      communes: Object.fromEntries(communes.map((code) => [code, names.commune(code)])),
      bailleurs: names.bailleurs,
      reservataires: names.reservataires,
    };
  }
}
