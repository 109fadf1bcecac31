import { type PoolClient } from 'pg';
import { type LeaseSignedData } from '@vigie/domain';
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
  readonly dataOf = ['LeaseSigned'];

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
    // Fold the whole batch in memory, then write it in one multi-row upsert.
    const counts = new Map<
      string,
      { epci: string; year: number; bailleur: string; reservataire: string; inQpv: boolean; leases: number }
    >();
    for (const event of events) {
      if (event.type !== 'LeaseSigned') continue;
      const lease = event.data as LeaseSignedData;
      const row = {
        epci: lease.flat.epciSiren,
        year: Number(lease.leaseDate.slice(0, 4)),
        bailleur: lease.bailleurId,
        reservataire: lease.reservataireId ?? '',
        inQpv: lease.flat.qpvCode !== null,
      };
      const key = `${row.epci}|${row.year}|${row.bailleur}|${row.reservataire}|${row.inQpv}`;
      const current = counts.get(key);
      if (current) current.leases += 1;
      else counts.set(key, { ...row, leases: 1 });
    }
    if (counts.size === 0) return;
    const rows = [...counts.values()];
    await client.query(
      `INSERT INTO ${this.table} (epci_siren, year, bailleur_id, reservataire_id, in_qpv, leases)
       SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::bool[], $6::int[])
       ON CONFLICT (epci_siren, year, bailleur_id, reservataire_id, in_qpv)
       DO UPDATE SET leases = ${this.table}.leases + excluded.leases`,
      [
        rows.map((row) => row.epci),
        rows.map((row) => row.year),
        rows.map((row) => row.bailleur),
        rows.map((row) => row.reservataire),
        rows.map((row) => row.inQpv),
        rows.map((row) => row.leases),
      ],
    );
  }
}
