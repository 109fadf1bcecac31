import { z } from 'zod';
import { dryRunParam } from '../http/params.js';
import { parseOrThrow } from '../http/validation.js';
import { Contract } from '../http/contract.js';
import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import { FileBody, GiB, MiB, type UploadedFile } from '../http/body.js';
import { isZipFile } from './import-encoding.js';
import { ApiConsumes, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendCsv, sendDownload, toCsv, wantsCsv } from '../http/csv.js';
import { invalidField, notFound, problemOf } from '../http/problem.js';
import type { Principal } from '@vigie/access';
import { Access, CurrentPrincipal } from '../access/access.decorators.js';
import { ImportService, type ImportFormat, type ImportReport } from './import.service.js';
import { StartImport } from './start-import/start-import.handler.js';
import { CommandBus } from '@nestjs/cqrs';
import { EXISTING_IMPORT, FILTERED } from '../access/tenancies.js';
import { REJECTION_HEADERS, reportXlsx } from './import-report.js';
import { wantsXlsx } from '../http/xlsx.js';

export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
export const IMPORT_CONTENT_TYPES = ['text/csv', 'application/x-ndjson', 'application/ndjson', 'text/plain', XLSX_TYPE];
/**
 * Bulk imports, read only once the caller is authenticated: a CSV or NDJSON file is streamed to
 * disk as it arrives and read from there chunk by chunk (memory stays flat whatever its size), up
 * to 2 GiB (about 10 million leases); an XLSX workbook's sheet is streamed too (exceljs's
 * WorkbookReader), but exceljs keeps the workbook's table of distinct texts (shared strings: each
 * lease's references and numéro) in memory (a 500 000-lease workbook, 62 MiB, reads within a heap
 * capped at 192 MiB): up to 128 MiB (about 1 million leases).
 */
export const IMPORT_SIZE_LIMIT = 2 * GiB;
export const XLSX_SIZE_LIMIT = 128 * MiB;
const XLSX_TOO_LARGE = `Limite : ${XLSX_SIZE_LIMIT / MiB} Mo par classeur XLSX (environ 1 000 000 de baux ; le classeur garde ses textes en mémoire pendant la lecture) : enregistrez-le en CSV (séparateur : point-virgule), lu au fil de l’eau jusqu’à ${IMPORT_SIZE_LIMIT / GiB} Go, ou découpez-le en plusieurs classeurs (chacun avec sa ligne d’en-tête) envoyés l’un après l’autre : une ligne déjà importée ne l’est pas deux fois.`;
/** An import file: its rows are validated one by one (see import-format.ts). */
const importFileSchema = z.string().min(1, 'Fichier vide.');
const IMPORT_EXAMPLE = [
  'type;reference_bail;reference_dossier;bailleur;date_bail;rpls;code_insee;siren_epci;typologie;financement;menage;personnes_14_ans_et_plus;revenus_annuels;reservataire;mode_gestion',
  'bail;BAIL-2026-0002;D-2026-0003;lille-metropole-habitat;2026-04-02;5935000003;59350;200093201;T3;PLUS;0591227000124;1;9000;action-logement;directe',
].join('\n');

const IMPORT_UNSUPPORTED = `Envoyez le fichier en text/csv, application/x-ndjson ou ${XLSX_TYPE} (ou ?format=csv|ndjson|xlsx).`;
const XLSX_SENT = `Ce fichier est un classeur Excel (.xlsx) ou OpenDocument, pas un CSV ni un NDJSON : envoyez-le en ${XLSX_TYPE} (ou ?format=xlsx), ou enregistrez-le en CSV (séparateur : point-virgule).`;

function formatOf(contentType: string | undefined, query: string | undefined): ImportFormat | undefined {
  if (query === 'csv' || query === 'ndjson' || query === 'xlsx') return query;
  if (contentType?.includes('spreadsheetml')) return 'xlsx';
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
  @FileBody({ types: IMPORT_CONTENT_TYPES, limit: IMPORT_SIZE_LIMIT, unsupported: IMPORT_UNSUPPORTED })
  @Post()
  @HttpCode(202)
  @Contract({
    summary:
      'Importer un fichier de décisions de CAL, de refus et de baux (CSV à en-têtes français en UTF-8, UTF-16 avec BOM, Windows-1252 ou ISO-8859-15, séparateur ; , ou tabulation ; ou NDJSON, ou classeur XLSX : première feuille ou ?feuille=nom, vraies cellules date acceptées) : réponse immédiate, traitement en arrière-plan ; ?dryRun=true : aperçu, même rapport, rien d’enregistré. Une colonne inconnue ou manquante refuse tout le fichier (statut refuse).',
    answer: 'accepted',
    body: { schema: importFileSchema, example: IMPORT_EXAMPLE },
  })
  @ApiConsumes('text/csv', 'application/x-ndjson', XLSX_TYPE)
  @ApiQuery({ name: 'dryRun', required: false, enum: ['true', 'false'], description: 'true : aperçu, rien d’enregistré' })
  @ApiQuery({ name: 'feuille', required: false, description: 'XLSX : la feuille à lire (sinon le premier onglet affiché)' })
  @ApiQuery({
    name: 'format',
    required: false,
    enum: ['csv', 'ndjson', 'xlsx'],
    description: 'le format du fichier, quand son type ne le dit pas',
  })
  async start(
    @Body() file: UploadedFile | undefined,
    @Headers('content-type') contentType: string | undefined,
    @Query('format') formatQuery: string | undefined,
    @Query('dryRun') dryRunQuery: string | undefined,
    @Query('feuille') sheet: string | undefined,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) response: FastifyReply,
  ) {
    const format = formatOf(contentType, formatQuery);
    if (!format) throw problemOf('UNSUPPORTED_MEDIA_TYPE', { detail: IMPORT_UNSUPPORTED });
    // No body at all (an empty file) is read as nothing: the file is empty, not of the wrong type.
    if (!file || file.blank) throw invalidField('(corps)', 'REQUIRED', 'Fichier vide.');
    if (format !== 'xlsx' && isZipFile(file.head)) throw problemOf('UNSUPPORTED_MEDIA_TYPE', { detail: XLSX_SENT });
    if (format === 'xlsx' && file.size > XLSX_SIZE_LIMIT) throw problemOf('PAYLOAD_TOO_LARGE', { detail: XLSX_TOO_LARGE });
    const { dryRun } = parseOrThrow(z.object({ dryRun: dryRunParam }), { dryRun: dryRunQuery });
    // A sheet is chosen in a workbook only, and by a name: never ignored.
    if (sheet !== undefined && format !== 'xlsx')
      throw invalidField(
        'feuille',
        'INVALID_VALUE',
        `feuille : ne vaut que pour un classeur XLSX, ce fichier est un ${format.toUpperCase()} ; retirez ?feuille=.`,
      );
    if (sheet !== undefined && sheet.trim() === '')
      throw invalidField(
        'feuille',
        'REQUIRED',
        'feuille : nom d’onglet vide ; donnez-le (ex. ?feuille=Baux) ou retirez ?feuille= pour lire le premier onglet affiché.',
      );
    const report = await this.commandBus.execute<StartImport, ImportReport>(
      new StartImport(format, file, principal, dryRun, sheet),
    );
    response.header('Location', `/v1/imports/${report.id}`);
    return report;
  }

  @Access({ roles: ['bailleur', 'admin'], tenancy: EXISTING_IMPORT })
  @Get(':id')
  @Contract({
    summary:
      'Avancement d’un import (lignes traitées / total, débit, temps restant), puis son rapport ; ?format=csv ou ?format=xlsx (ou Accept) : les lignes refusées pour le tableur (Ligne, Référence, Colonne, Valeur refusée, Code, Message)',
    answer: 'read',
    csv: true,
  })
  async get(@Param('id') id: string, @Req() request: FastifyRequest, @Res() response: FastifyReply): Promise<void> {
    const report = await this.imports.get(id);
    if (!report) throw notFound('IMPORT_NOT_FOUND');
    if (wantsXlsx(request)) {
      sendDownload(response, `import-${id}-rejets.xlsx`, XLSX_TYPE, await reportXlsx(report));
      return;
    }
    if (wantsCsv(request)) {
      sendCsv(
        response,
        `import-${id}-rejets.csv`,
        toCsv(
          [...REJECTION_HEADERS],
          report.rejections.map((r) => [r.line, r.reference, r.field, r.value, r.code, r.message]),
        ),
      );
      return;
    }
    response.code(200).send(report);
  }
}
