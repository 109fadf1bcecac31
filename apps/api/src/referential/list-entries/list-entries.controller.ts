import { Contract } from '../../http/contract.js';
import { Controller, Get, Inject } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
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
  @Contract({ summary: 'Les QPV enregistrés', answer: 'read' })
  qpvs() {
    return listReferentialEntries(this.pool, 'qpv');
  }

  @Access({ roles: ALL_ROLES, tenancy: NO_TENANT })
  @Get('bailleurs')
  @Contract({ summary: 'Les bailleurs enregistrés', answer: 'read' })
  bailleurs() {
    return listReferentialEntries(this.pool, 'bailleur');
  }

  @Access({ roles: ALL_ROLES, tenancy: NO_TENANT })
  @Get('reservataires')
  @Contract({ summary: 'Les réservataires enregistrés', answer: 'read' })
  reservataires() {
    return listReferentialEntries(this.pool, 'reservataire');
  }
}
