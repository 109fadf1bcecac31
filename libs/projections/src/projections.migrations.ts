import { type Migration } from '@vigie/postgres';
import { leaseSummaryTableDdl } from './lease-summary/lease-summary.projection.js';

export const projectionMigrations: Migration[] = [
  { id: 'projections/001-lease-summary', sql: leaseSummaryTableDdl('lease_summary') },
];
