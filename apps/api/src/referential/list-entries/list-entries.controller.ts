import { Contract } from '../../http/contract.js';
import { Controller, Get, Inject, Param } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { listReferentialEntries } from '@vigie/projections';
import { ALL_ROLES, Access } from '../../access/access.decorators.js';
import { NO_TENANT } from '../../access/tenancies.js';
import { DATABASE_POOL, type DatabasePool } from '../../platform/platform.module.js';
import { LeaseReferentialService } from '../../attribution/lease-referential.service.js';
import { notFound } from '../../http/problem.js';
import { parseOrThrow } from '../../http/validation.js';
import { qpvCodeParam } from '../referential.schemas.js';

@ApiTags('referential')
@Controller('v1')
export class ListEntriesController {
  constructor(
    @Inject(DATABASE_POOL) private readonly pool: DatabasePool,
    private readonly referential: LeaseReferentialService,
  ) {}

  @Access({ roles: ALL_ROLES, tenancy: NO_TENANT })
  @Get('qpvs')
  @Contract({ summary: 'Les QPV enregistrés', answer: 'read' })
  qpvs() {
    return listReferentialEntries(this.pool, 'qpv');
  }

  /**
   * One QPV with every registered version, the earliest first: each in force from its validFrom
   * until the next one starts (or its own validTo). A lease counts under the version in force on
   * its date; a later version changes nothing before its own validFrom.
   */
  @Access({ roles: ALL_ROLES, tenancy: NO_TENANT })
  @Get('qpvs/:code')
  @Contract({
    summary:
      'Un QPV et toutes ses versions enregistrées (communes, validFrom, validTo), la plus ancienne d’abord : un bail compte sous la version en vigueur à sa date',
    answer: 'read',
    errors: ['NOT_FOUND'],
  })
  async qpv(@Param('code') code: string) {
    const valid = parseOrThrow(qpvCodeParam, code, 'code');
    const versions = await this.referential.lookup().qpv(valid);
    if (versions.length === 0) throw notFound('NOT_FOUND');
    return { code: valid, versions: [...versions].sort((a, b) => a.validFrom.localeCompare(b.validFrom)) };
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
