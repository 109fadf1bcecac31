import type { Pool } from 'pg';
import { bailleurBilan, bilanStreamId, type FluxFact, type LeaseSignedData } from '@vigie/domain';
import { readEtatReservataires, readFluxCounts } from './convention-flux.query.js';
import { leaseInForceAt, type LedgerCut, NO_CUT } from './ledger.query.js';
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
  cut: LedgerCut = NO_CUT,
): Promise<ReturnType<typeof bailleurBilan> & { closedAt: Date | null }> {
  const [leases, flux, stream, etat] = await Promise.all([
    pool.query<{ lease: LeaseSignedData; valid_from: string }>(
      `SELECT lease, valid_from FROM lease_facts lf WHERE year = $1 AND ${leaseInForceAt(3)} AND lease->>'bailleurId' = $2
         AND ($4::text IS NULL OR lease->>'leaseDate' <= $4)`,
      [year, bailleurId, cut.position, cut.signedUntil],
    ),
    cut.position === null && cut.signedUntil === null
      ? readFluxCounts(pool, bailleurId, year)
      : readFluxFactsAt(pool, bailleurId, year, cut),
    store.readStream(bilanStreamId(bailleurId, year)),
    readEtatReservataires(pool),
  ]);
  // A closure recorded after the position read was not known then.
  const closure = { events: stream.events.filter((event) => cut.position === null || event.globalPosition <= cut.position) };
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

/** The flux facts of a bailleur's year one by one (flux_facts), as known at a position and dated up to a day. */
async function readFluxFactsAt(pool: Pool, bailleurId: string, year: number, cut: LedgerCut): Promise<FluxFact[]> {
  const { rows } = await pool.query<{ fact: FluxFact }>(
    `SELECT fact FROM flux_facts WHERE bailleur_id = $1 AND year = $2
        AND ($3::bigint IS NULL OR position <= $3) AND ($4::text IS NULL OR fact->>'date' <= $4)`,
    [bailleurId, year, cut.position, cut.signedUntil],
  );
  return rows.map((row) => row.fact);
}
