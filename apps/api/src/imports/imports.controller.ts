import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import { MiB, TextBody } from '../http/body.js';
import { ApiBody, ApiConsumes, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { sendCsv, toCsv, wantsCsv } from '../http/csv.js';
import { invalidField, notFound, problemOf } from '../http/problem.js';
import type { Principal } from '@vigie/access';
import { Access, CurrentPrincipal } from '../access/access.decorators.js';
import { ImportService, type ImportFormat, type ImportReport } from './import.service.js';
import { StartImport } from './start-import/start-import.handler.js';
import { CommandBus } from '@nestjs/cqrs';
import { EXISTING_IMPORT, FILTERED } from '../access/tenancies.js';

export const IMPORT_CONTENT_TYPES = ['text/csv', 'application/x-ndjson', 'application/ndjson', 'text/plain'];
/** Bulk imports: CSV or NDJSON files of up to a few hundred thousand rows, read only once the caller is authenticated. */
export const IMPORT_SIZE_LIMIT = 250 * MiB;
const IMPORT_UNSUPPORTED = 'Envoyez le fichier en text/csv ou application/x-ndjson (ou ?format=csv|ndjson).';

function formatOf(contentType: string | undefined, query: string | undefined): ImportFormat | undefined {
  if (query === 'csv' || query === 'ndjson') return query;
  if (contentType?.includes('csv')) return 'csv';
  if (contentType?.includes('ndjson')) return 'ndjson';
  return undefined;
}

@ApiTags('facts from bailleurs')
@Controller('v1/imports')
export class ImportsController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly imports: ImportService,
  ) {}

  @Access({ roles: ['bailleur', 'admin'], tenancy: FILTERED })
  @TextBody({ types: IMPORT_CONTENT_TYPES, limit: IMPORT_SIZE_LIMIT, unsupported: IMPORT_UNSUPPORTED })
  @Post()
  @HttpCode(202)
  @ApiOperation({
    summary:
      'Import a file of CAL decisions, refusals and leases (CSV with French headers, or NDJSON); answers at once, works in the background',
    description:
      'Each row goes through the same checks as the API; bad rows are reported and write nothing; a file sent again records nothing twice.',
  })
  @ApiConsumes('text/csv', 'application/x-ndjson')
  @ApiBody({ schema: { type: 'string' } })
  async start(
    @Body() body: unknown,
    @Headers('content-type') contentType: string | undefined,
    @Query('format') formatQuery: string | undefined,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) response: Response,
  ) {
    const format = formatOf(contentType, formatQuery);
    if (!format || typeof body !== 'string') {
      throw problemOf('UNSUPPORTED_MEDIA_TYPE', { detail: IMPORT_UNSUPPORTED });
    }
    if (!body.trim()) {
      throw invalidField('(corps)', 'REQUIRED', 'Fichier vide.');
    }
    const report = await this.commandBus.execute<StartImport, ImportReport>(new StartImport(format, body, principal));
    response.setHeader('Location', `/v1/imports/${report.id}`);
    return report;
  }

  @Access({ roles: ['bailleur', 'admin'], tenancy: EXISTING_IMPORT })
  @Get(':id')
  @ApiOperation({ summary: 'Progress of an import (rows done / total, rate, ETA), then its report; CSV gives the rejected rows' })
  async get(@Param('id') id: string, @Req() request: Request, @Res() response: Response): Promise<void> {
    const report = await this.imports.get(id);
    if (!report) throw notFound('IMPORT_NOT_FOUND');
    if (wantsCsv(request)) {
      sendCsv(
        response,
        `import-${id}-rejets.csv`,
        toCsv(
          ['Ligne', 'Champ', 'Code', 'Message'],
          report.rejections.map((r) => [r.line, r.field, r.code, r.message]),
        ),
      );
      return;
    }
    response.status(200).json(report);
  }
}
