import { parisTimestamp } from '@vigie/domain';
import { Pool } from 'pg';

export interface Freshness {
  /** Last global position applied to the read model. */
  readonly position: number;
  /** Recording time of that event, or null before the first one. */
  readonly lastEventAt: string | null;
}

export interface LeaseSummary {
  readonly epciSiren: string;
  readonly year: number;
  readonly total: number;
  readonly qpv: { readonly inQpv: number; readonly outsideQpv: number };
  readonly byBailleur: ReadonlyArray<{
    readonly bailleurId: string;
    readonly leases: number;
    readonly inQpv: number;
    readonly outsideQpv: number;
  }>;
  readonly byReservataire: ReadonlyArray<{
    readonly reservataireId: string | null;
    readonly leases: number;
    readonly inQpv: number;
    readonly outsideQpv: number;
  }>;
  readonly freshness: Freshness;
}

interface Row {
  bailleur_id: string;
  reservataire_id: string;
  in_qpv: boolean;
  leases: number;
}

function tally<K>(rows: Row[], keyOf: (row: Row) => K) {
  const groups = new Map<K, { leases: number; inQpv: number; outsideQpv: number }>();
  for (const row of rows) {
    const key = keyOf(row);
    const group = groups.get(key) ?? { leases: 0, inQpv: 0, outsideQpv: 0 };
    group.leases += row.leases;
    if (row.in_qpv) group.inQpv += row.leases;
    else group.outsideQpv += row.leases;
    groups.set(key, group);
  }
  return [...groups.entries()].sort(([a], [b]) => String(a ?? '').localeCompare(String(b ?? '')));
}

export async function readFreshness(pool: Pool, projectionName: string): Promise<Freshness> {
  const { rows } = await pool.query<{ position: string; last_event_at: Date | null }>(
    'SELECT position, last_event_at FROM checkpoints WHERE name = $1',
    [projectionName],
  );
  return {
    position: Number(rows[0]?.position ?? 0),
    lastEventAt: rows[0]?.last_event_at ? parisTimestamp(rows[0].last_event_at) : null,
  };
}

export async function readLeaseSummary(
  pool: Pool,
  epciSiren: string,
  year: number,
  table = 'lease_summary',
): Promise<LeaseSummary> {
  // Freshness first: the rows read after it are at least that fresh, never the other way round.
  const freshness = await readFreshness(pool, table);
  const { rows } = await pool.query<Row>(
    `SELECT bailleur_id, reservataire_id, in_qpv, leases FROM ${table} WHERE epci_siren = $1 AND year = $2`,
    [epciSiren, year],
  );
  const inQpv = rows.filter((row) => row.in_qpv).reduce((sum, row) => sum + row.leases, 0);
  const outsideQpv = rows.filter((row) => !row.in_qpv).reduce((sum, row) => sum + row.leases, 0);
  return {
    epciSiren,
    year,
    total: inQpv + outsideQpv,
    qpv: { inQpv, outsideQpv },
    byBailleur: tally(rows, (row) => row.bailleur_id).map(([bailleurId, counts]) => ({ bailleurId, ...counts })),
    byReservataire: tally(rows, (row) => row.reservataire_id || null).map(([reservataireId, counts]) => ({
      reservataireId,
      ...counts,
    })),
    freshness,
  };
}
