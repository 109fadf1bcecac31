import { Body, Controller, HttpCode, Param, Post, Query } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiQuery, ApiTags } from '@nestjs/swagger';
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
      'Annuler tout ce qu’un import a enregistré, bail par bail, en citant l’import et le motif : un bail qu’il a enregistré est annulé (LeaseCancelled, même s’il a été corrigé depuis) ; un bail qu’il a corrigé revient à sa version d’avant l’import (LeaseCorrected) ; un bail qu’il a annulé est rétabli dans sa version d’avant l’import (LeaseSigned) ; un bail modifié depuis par un autre enregistrement est laissé tel quel (ligne « impossible »). Décisions de CAL et refus conservés. ?dryRun=true d’abord : la même réponse, une ligne par bail, rien d’enregistré. Renvoyer l’annulation n’enregistre rien de plus. Réservé à l’organisme qui a importé.',
    answer: 'read',
    body: { schema: undoImportSchema, example: { reason: 'Fichier envoyé par erreur (5 000 baux sur le même logement)' } },
  })
  @ApiQuery({ name: 'dryRun', required: false, enum: ['true', 'false'], description: 'true : aperçu, rien d’enregistré' })
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
