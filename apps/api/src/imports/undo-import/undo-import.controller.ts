import { Body, Controller, HttpCode, Param, Post, Query } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { dryRunParam } from '../../http/params.js';
import { Access } from '../../access/access.decorators.js';
import { EXISTING_IMPORT } from '../../access/tenancies.js';
import { JsonBody } from '../../http/body.js';
import { Contract } from '../../http/contract.js';
import { freeText } from '../../http/free-text.js';
import { parseOrThrow } from '../../http/validation.js';
import { type Writer, Writer as CurrentWriter } from '../../http/write.js';
import { UndoImport, type UndoImportReport } from './undo-import.handler.js';

const undoImportSchema = z
  .object({ reason: freeText('Motif de l’annulation', { max: 300, required: 'Motif obligatoire.' }) })
  .strict();

@ApiTags('facts from bailleurs')
@Controller('v1/imports/:id/cancellation')
export class UndoImportController {
  constructor(private readonly commandBus: CommandBus) {}

  @Access({ roles: ['bailleur', 'admin'], tenancy: EXISTING_IMPORT })
  @JsonBody()
  @Post()
  @HttpCode(200)
  @Contract({
    summary:
      'Annuler tout ce qu’un import a enregistré : un LeaseCancelled par bail, qui cite l’import et le motif ; ?dryRun=true d’abord pour voir ce qui serait annulé, rien d’enregistré. Réservé à l’organisme qui a importé.',
    answer: 'read',
    body: { schema: undoImportSchema, example: { reason: 'Fichier envoyé par erreur (5 000 baux sur le même logement)' } },
  })
  async undo(
    @Param('id') id: string,
    @Query('dryRun') dryRunQuery: string | undefined,
    @Body() body: unknown,
    @CurrentWriter() writer: Writer,
  ): Promise<UndoImportReport> {
    const { dryRun } = parseOrThrow(z.object({ dryRun: dryRunParam }), { dryRun: dryRunQuery });
    const { reason } = parseOrThrow(undoImportSchema, body);
    return this.commandBus.execute<UndoImport, UndoImportReport>(new UndoImport(id, reason, writer, dryRun));
  }
}
