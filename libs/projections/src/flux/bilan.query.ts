import type { Pool } from 'pg';
import { bailleurBilan, bilanStreamId, type LeaseSignedData } from '@vigie/domain';
import { readEtatReservataires, readFluxCounts } from './convention-flux.query.js';
import type { EventStore } from '@vigie/event-store';

/**
 * A bailleur's annual bilan as it stands now, from read models only: its leases of the year in
 * force (lease_facts), its flux facts dated in the year (flux_counts), its closure (if any) and
 * which réservataires are the État's.
 */
export async function readBailleurBilan(
  pool: Pool,
  store: EventStore,
  bailleurId: string,
  year: number,
): Promise<ReturnType<typeof bailleurBilan> & { closedAt: Date | null }> {
  const [leases, flux, closure, etat] = await Promise.all([
    pool.query<{ lease: LeaseSignedData; valid_from: string }>(
      `SELECT lease, valid_from FROM lease_facts WHERE year = $1 AND valid_to IS NULL AND lease->>'bailleurId' = $2`,
      [year, bailleurId],
    ),
    readFluxCounts(pool, bailleurId, year),
    store.readStream(bilanStreamId(bailleurId, year)),
    readEtatReservataires(pool),
  ]);
  const bilan = bailleurBilan({
    bailleurId,
    year,
    leases: leases.rows.map((row) => ({ lease: row.lease, position: Number(row.valid_from) })),
    flux,
    etatReservataires: etat,
    closurePosition: closure.events[0]?.globalPosition ?? null,
  });
  return { ...bilan, closedAt: closure.events[0]?.recordedAt ?? null };
}
