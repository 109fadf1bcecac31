import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Access } from '../../access/access.decorators.js';
import { NO_TENANT } from '../../access/tenancies.js';
import { Contract } from '../../http/contract.js';
import { sendCsv, sendDownload } from '../../http/csv.js';
import { invalidField } from '../../http/problem.js';
import { templateCsv, templateXlsx } from '../import-template.js';
import { XLSX_TYPE } from '../imports.controller.js';

@ApiTags('facts from bailleurs')
@Controller('v1/imports/modele')
export class ImportTemplateController {
  @Access({ roles: ['bailleur', 'admin'], tenancy: NO_TENANT })
  @Get()
  @Contract({
    summary:
      'Télécharger le modèle de fichier d’import : ?format=csv (UTF-8, séparateur ;) ou ?format=xlsx (feuille « Baux » aux identifiants en texte, feuille « Explications » qui décrit chaque colonne)',
    answer: 'read',
  })
  @ApiQuery({ name: 'format', required: false, enum: ['csv', 'xlsx'] })
  async download(@Query('format') format: string | undefined, @Res() response: FastifyReply): Promise<void> {
    if (format === undefined || format === 'csv') return sendCsv(response, 'vigie-modele-import.csv', templateCsv());
    if (format !== 'xlsx') throw invalidField('format', 'INVALID_VALUE', 'format : csv ou xlsx attendu.');
    sendDownload(response, 'vigie-modele-import.xlsx', XLSX_TYPE, await templateXlsx());
  }
}
