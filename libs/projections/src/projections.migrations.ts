import { type Migration } from '@vigie/postgres';
import { alertPartiesMigration, alertsTableDdl } from './alerts/alerts.projection.js';
import { complianceScopesDdl, complianceTablesDdl, leaseFactsScopeIndexDdl } from './compliance/compliance.projection.js';
import { leaseSummaryTableDdl } from './lease-summary/lease-summary.projection.js';
import { streamIdsMigration } from './stream-ids.migration.js';
import { fluxStreamsMigration, fluxTablesMigration } from './flux/flux-streams.migration.js';

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
  // Flux alerts (a convention's, a bailleur's bilan) belong to no EPCI.
  { id: 'projections/006-alerts-without-epci', sql: 'ALTER TABLE alerts ALTER COLUMN epci_siren DROP NOT NULL' },
  // A bailleur's leases of a year (flux views, bilans, bilan-due alerts).
  {
    id: 'projections/007-lease-facts-by-bailleur',
    sql: "CREATE INDEX IF NOT EXISTS lease_facts_bailleur ON lease_facts (year, (lease->>'bailleurId'))",
  },
  // Stream ids built by compositeKey: the streams written before move once (see the migration).
  streamIdsMigration,
  {
    // The lease summary counted signed leases only, never their cancellations and corrections:
    // it is counted again from the start of the log, with both (the projection catches up at start).
    id: 'projections/009-lease-summary-follows-changes',
    sql: "TRUNCATE lease_summary; UPDATE checkpoints SET position = 0, last_event_at = NULL WHERE name = 'lease_summary';",
  },
  // One stream per flat instead of one per bailleur and year: a flat's flux life crosses years (see the migration).
  fluxStreamsMigration,
  fluxTablesMigration,
  // Live figures follow the leases changed since they were computed: the scope index also orders by that change.
  {
    id: 'projections/011-lease-facts-scope-changes',
    sql: `${leaseFactsScopeIndexDdl()} DROP INDEX IF EXISTS lease_facts_scope;`,
  },
  // Each alert lists the organisations it is about (a convention's parties and département, a PRIO pair's two parties).
  alertPartiesMigration,
];
