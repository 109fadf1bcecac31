import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { Principal } from '@vigie/access';
import type { UploadedFile } from '../../http/body.js';
import { type ImportFormat, type ImportReport, ImportService } from '../import.service.js';

/** Start importing a bailleur's file in the background: its rows go through the command pipeline chunk by chunk. */
export class StartImport {
  constructor(
    readonly format: ImportFormat,
    /** The file as received on disk (never held whole in memory), its encoding detected by the import, which deletes it once done. */
    readonly file: UploadedFile,
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

  execute({ format, file, principal, dryRun, sheet }: StartImport): Promise<ImportReport> {
    return this.imports.start(format, file, principal, { dryRun, sheet });
  }
}
