import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { Principal } from '@vigie/access';
import { type ImportFormat, type ImportReport, ImportService } from '../import.service.js';

/** Start importing a bailleur's file in the background: its rows go through the command pipeline chunk by chunk. */
export class StartImport {
  constructor(
    readonly format: ImportFormat,
    /** The file's bytes, its encoding detected by the import. */
    readonly content: Buffer,
    readonly principal: Principal,
    /** A preview: decided as an import, nothing written. */
    readonly dryRun = false,
    /** XLSX: the sheet to read (the first when absent). */
    readonly sheet?: string,
  ) {}
}

@CommandHandler(StartImport)
export class StartImportHandler implements ICommandHandler<StartImport, ImportReport> {
  constructor(private readonly imports: ImportService) {}

  execute({ format, content, principal, dryRun, sheet }: StartImport): Promise<ImportReport> {
    return this.imports.start(format, content, principal, { dryRun, sheet });
  }
}
