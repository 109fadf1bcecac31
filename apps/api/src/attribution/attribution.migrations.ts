import type { Migration } from '@vigie/postgres';

/** The household a lease event names (a LeaseSigned's, or the corrected lease of a LeaseCorrected). */
export const LEASE_HOUSEHOLD = `coalesce(data #>> '{lease,household,pseudonymousId}', data #>> '{household,pseudonymousId}')`;

/** Finds the cases where a household signed a lease without reading the whole log. */
export const attributionMigrations: Migration[] = [
  {
    id: 'api/003-lease-household-index',
    sql: `
      CREATE INDEX IF NOT EXISTS events_lease_household ON events ((${LEASE_HOUSEHOLD}))
        WHERE event_type IN ('LeaseSigned', 'LeaseCorrected');
    `,
  },
];
