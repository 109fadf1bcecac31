import { EntitySchema } from 'typeorm';
import type { ImportReport } from './import-report.js';

/** A row of `imports` (migrations `api/001-imports`, `api/002-import-owner`): an import's progress and report. */
export interface ImportRow {
  id: string;
  format: string;
  status: string;
  /** Who started it (the actor recorded on its events). */
  actor: string;
  startedAt: Date;
  finishedAt: Date | null;
  report: ImportReport;
  /** The role and organisation of the key that started it: who may read it. */
  ownerRole: string | null;
  ownerTenant: string | null;
}

export const ImportEntity = new EntitySchema<ImportRow>({
  name: 'Import',
  tableName: 'imports',
  columns: {
    id: { type: 'uuid', primary: true },
    format: { type: 'text' },
    status: { type: 'text' },
    actor: { type: 'text' },
    startedAt: { name: 'started_at', type: 'timestamptz', default: () => 'now()' },
    finishedAt: { name: 'finished_at', type: 'timestamptz', nullable: true },
    report: { type: 'jsonb' },
    ownerRole: { name: 'owner_role', type: 'text', nullable: true },
    ownerTenant: { name: 'owner_tenant', type: 'text', nullable: true },
  },
});
