import { Migration } from '@vigie/postgres';
import { leaseSummaryTableDdl } from './lease-summary/lease-summary.projection';

export const projectionMigrations: Migration[] = [
  {
    id: 'projections/001-checkpoints',
    sql: `
      CREATE TABLE projection_checkpoints (
        name          text        PRIMARY KEY,
        position      bigint      NOT NULL DEFAULT 0,
        last_event_at timestamptz,
        updated_at    timestamptz NOT NULL DEFAULT now()
      );
    `,
  },
  { id: 'projections/002-lease-summary', sql: leaseSummaryTableDdl('lease_summary') },
];
