import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { listReferentialEntries } from '@vigie/projections';
import { ALL_ROLES, Access } from '../../access/access.decorators.js';
import { NO_TENANT } from '../../access/tenancies.js';
import { DATABASE_POOL, type DatabasePool } from '../../platform/platform.module.js';

@ApiTags('referential')
@Controller('v1')
export class ListEntriesController {
  constructor(@Inject(DATABASE_POOL) private readonly pool: DatabasePool) {}

  @Access({ roles: ALL_ROLES, tenancy: NO_TENANT })
  @Get('qpvs')
  @ApiOperation({ summary: 'Registered QPVs' })
  qpvs() {
    return listReferentialEntries(this.pool, 'qpv');
  }

  @Access({ roles: ALL_ROLES, tenancy: NO_TENANT })
  @Get('bailleurs')
  @ApiOperation({ summary: 'Registered bailleurs' })
  bailleurs() {
    return listReferentialEntries(this.pool, 'bailleur');
  }

  @Access({ roles: ALL_ROLES, tenancy: NO_TENANT })
  @Get('reservataires')
  @ApiOperation({ summary: 'Registered réservataires' })
  reservataires() {
    return listReferentialEntries(this.pool, 'reservataire');
  }
}
