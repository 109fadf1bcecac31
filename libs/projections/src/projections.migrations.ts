import { type Migration } from '@vigie/postgres';
import { complianceTablesDdl } from './compliance/compliance.projection.js';
import { leaseSummaryTableDdl } from './lease-summary/lease-summary.projection.js';

export const projectionMigrations: Migration[] = [
  { id: 'projections/001-lease-summary', sql: leaseSummaryTableDdl('lease_summary') },
  { id: 'projections/002-compliance', sql: complianceTablesDdl() },
  // as-of reads turn a timestamp into a position; a BRIN index costs appends next to nothing.
  {
    id: 'projections/003-events-recorded-at',
    sql: 'CREATE INDEX IF NOT EXISTS events_recorded_at_brin ON events USING brin (recorded_at)',
  },
];
