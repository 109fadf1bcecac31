import { type PoolClient } from 'pg';
import { type RecordedEvent } from '@vigie/event-store';
import { type Projection } from '../projection.js';

/** Counts of signed leases per EPCI, year, bailleur, réservataire ('' = non réservé) and QPV side. */
export function leaseSummaryTableDdl(table: string): string {
  return `
    CREATE TABLE IF NOT EXISTS ${table} (
      epci_siren      text    NOT NULL,
      year            integer NOT NULL,
      bailleur_id     text    NOT NULL,
      reservataire_id text    NOT NULL,
      in_qpv          boolean NOT NULL,
      leases          integer NOT NULL,
      CONSTRAINT ${table}_pkey PRIMARY KEY (epci_siren, year, bailleur_id, reservataire_id, in_qpv)
    );
  `;
}

export class LeaseSummaryProjection implements Projection {
  readonly name: string;
  /** No event data is read in Node: the counts are taken in PostgreSQL. */
  readonly dataOf: readonly string[] = [];

  constructor(readonly table = 'lease_summary') {
    this.name = table;
  }

  get tables(): string[] {
    return [this.table];
  }

  async createTables(client: PoolClient): Promise<void> {
    await client.query(leaseSummaryTableDdl(this.table));
  }

  /**
   * Counts each lease version in force: +1 for a signed or corrected version, −1 for the version a
   * correction replaces or a cancellation ends (found through the event id they cite). Counted in
   * one statement from the events table itself: the lease JSON never travels through Node.
   */
  async apply(client: PoolClient, events: readonly RecordedEvent[]): Promise<void> {
    const positions = events.filter((event) => LEASE_EVENTS.has(event.type)).map((event) => event.globalPosition);
    if (positions.length === 0) return;
    await client.query(
      `WITH batch AS (
         SELECT event_type, data FROM events WHERE global_position = ANY($1::bigint[])
       ), deltas AS (
         SELECT CASE WHEN event_type = 'LeaseSigned' THEN data ELSE data->'lease' END AS lease, 1 AS delta
           FROM batch WHERE event_type IN ('LeaseSigned', 'LeaseCorrected')
         UNION ALL
         SELECT CASE WHEN cited.event_type = 'LeaseSigned' THEN cited.data ELSE cited.data->'lease' END, -1
           FROM batch b JOIN events cited
             ON cited.event_id = (CASE WHEN b.event_type = 'LeaseCancelled' THEN b.data->>'cancelsEventId'
                                       ELSE b.data->>'correctsEventId' END)::uuid
          WHERE b.event_type IN ('LeaseCancelled', 'LeaseCorrected')
       )
       INSERT INTO ${this.table} (epci_siren, year, bailleur_id, reservataire_id, in_qpv, leases)
       SELECT lease->'flat'->>'epciSiren', substr(lease->>'leaseDate', 1, 4)::int, lease->>'bailleurId',
              COALESCE(lease->>'reservataireId', ''), COALESCE(jsonb_typeof(lease->'flat'->'qpvCode') = 'string', false),
              sum(delta)
       FROM deltas
       GROUP BY 1, 2, 3, 4, 5
       ON CONFLICT (epci_siren, year, bailleur_id, reservataire_id, in_qpv)
       DO UPDATE SET leases = ${this.table}.leases + excluded.leases`,
      [positions],
    );
  }
}

const LEASE_EVENTS = new Set(['LeaseSigned', 'LeaseCorrected', 'LeaseCancelled']);
