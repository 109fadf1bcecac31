import { Module } from '@nestjs/common';
import { AttributionModule } from '../attribution/attribution.module.js';
import { ImportService } from './import.service.js';
import { ImportsController } from './imports.controller.js';
import { ImportTemplateController } from './import-template/import-template.controller.js';
import { StartImportHandler } from './start-import/start-import.handler.js';
import { UndoImportController } from './undo-import/undo-import.controller.js';
import { UndoImportHandler } from './undo-import/undo-import.handler.js';

// The template's fixed path comes before GET /v1/imports/{id}.
export const IMPORTS_CONTROLLERS = [ImportTemplateController, ImportsController, UndoImportController];

/** Bulk imports of bailleurs' files: the same schemas and deciders as the API, through the same pipeline. */
@Module({
  imports: [AttributionModule],
  controllers: IMPORTS_CONTROLLERS,
  providers: [ImportService, StartImportHandler, UndoImportHandler],
})
export class ImportsModule {}
