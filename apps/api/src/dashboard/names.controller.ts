import { Controller, Get, Inject, Param } from '@nestjs/common';
import { ApiParam, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { listReferentialEntries } from '@vigie/projections';
import { TerritorialReferential } from '@vigie/referential';
import { ALL_ROLES, Access } from '../access/access.decorators.js';
import { NO_TENANT } from '../access/tenancies.js';
import { Contract } from '../http/contract.js';
import { epciSirenParam } from '../http/params.js';
import { parseOrThrow } from '../http/validation.js';
import { DATABASE_POOL, type DatabasePool } from '../platform/platform.module.js';

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
  ) {}

  @Access({ roles: ALL_ROLES, tenancy: NO_TENANT })
  @Get()
  @Contract({
    summary: 'Les noms à afficher pour un EPCI : le sien, ceux de ses communes, des bailleurs et des réservataires enregistrés',
    answer: 'read',
  })
  @ApiParam({ name: 'epci', example: '200093201' })
  async names(@Param('epci') epci: string) {
    const siren = parseOrThrow(z.object({ epci: epciSirenParam }), { epci }).epci;
    const official = this.territorial.epci(siren);
    const registered = await listReferentialEntries<{ siren: string; name?: string; communes?: string[] }>(this.pool, 'epci');
    const entry = registered.find((candidate) => candidate.siren === siren);
    const communes = entry?.communes ?? official?.communes ?? [];
    const named = async (kind: 'bailleur' | 'reservataire') =>
      Object.fromEntries(
        (await listReferentialEntries<{ id: string; name: string }>(this.pool, kind)).map((item) => [item.id, item.name]),
      );
    return {
      epci: { siren, name: entry?.name ?? official?.name ?? null },
      communes: Object.fromEntries(communes.map((code) => [code, this.territorial.commune(code)?.name ?? null])),
      bailleurs: await named('bailleur'),
      reservataires: await named('reservataire'),
    };
  }
}
