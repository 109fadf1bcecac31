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

  async apply(client: PoolClient, events: readonly RecordedEvent[]): Promise<void> {
    // Counted in one statement from the events table itself: the lease JSON never travels through Node.
    const positions = events.filter((event) => event.type === 'LeaseSigned').map((event) => event.globalPosition);
    if (positions.length === 0) return;
    await client.query(
      `INSERT INTO ${this.table} (epci_siren, year, bailleur_id, reservataire_id, in_qpv, leases)
       SELECT data->'flat'->>'epciSiren', substr(data->>'leaseDate', 1, 4)::int, data->>'bailleurId',
              COALESCE(data->>'reservataireId', ''), COALESCE(jsonb_typeof(data->'flat'->'qpvCode') = 'string', false), count(*)
       FROM events WHERE global_position = ANY($1::bigint[])
       GROUP BY 1, 2, 3, 4, 5
       ON CONFLICT (epci_siren, year, bailleur_id, reservataire_id, in_qpv)
       DO UPDATE SET leases = ${this.table}.leases + excluded.leases`,
      [positions],
    );
  }
}
