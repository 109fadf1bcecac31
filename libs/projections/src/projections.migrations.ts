import { type Migration } from '@vigie/postgres';
import { alertsTableDdl } from './alerts/alerts.projection.js';
import { complianceScopesDdl, complianceTablesDdl } from './compliance/compliance.projection.js';
import { leaseSummaryTableDdl } from './lease-summary/lease-summary.projection.js';

export const projectionMigrations: Migration[] = [
  { id: 'projections/001-lease-summary', sql: leaseSummaryTableDdl('lease_summary') },
  { id: 'projections/002-compliance', sql: complianceTablesDdl() },
  // as-of reads turn a timestamp into a position; a BRIN index costs appends next to nothing.
  {
    id: 'projections/003-events-recorded-at',
    sql: 'CREATE INDEX IF NOT EXISTS events_recorded_at_brin ON events USING brin (recorded_at)',
  },
  {
    // Lets a cached figure survive writes to other EPCIs (databases migrated before it get it filled in).
    id: 'projections/004-compliance-scopes',
    sql: `${complianceScopesDdl()}
      INSERT INTO compliance_scopes (epci_siren, year, position)
      SELECT epci_siren, year, max(greatest(valid_from, coalesce(valid_to, 0))) FROM lease_facts GROUP BY 1, 2
      ON CONFLICT DO NOTHING;`,
  },
  { id: 'projections/005-alerts', sql: alertsTableDdl() },
];
