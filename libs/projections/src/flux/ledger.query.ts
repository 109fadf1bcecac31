import type { Pool } from 'pg';
import {
  compositeKey,
  departementOfCommune,
  reservationDecider,
  type ConventionTerms,
  type LeaseSignedData,
  type ReservationEvent,
  parisTimestamp,
} from '@vigie/domain';
import type { EventStore } from '@vigie/event-store';

export type LedgerRule = 'bail_signe' | 'mobilite_inter_bailleurs' | 'refus_apres_cal';

/** One fact counted for a réservataire, with the event that proves it. */
export interface LedgerRow {
  readonly date: string;
  readonly bailleurId: string;
  readonly conventionId: string | null;
  readonly rplsId: string;
  readonly communeInsee: string;
  readonly inQpv: boolean;
  readonly rule: LedgerRule;
  /** What the row counts for: 1, or the convention's weight for a post-CAL refusal. */
  readonly weight: number;
  readonly eventId: string;
  readonly globalPosition: number;
  readonly recordedAt: string;
  readonly actor: string;
}

export interface Ledger {
  readonly reservataireId: string;
  readonly year: number;
  readonly bailleurId: string | null;
  readonly rows: readonly LedgerRow[];
  readonly total: number;
}

/**
 * The audit ledger of a réservataire: every signed lease counted for it in a year (and, where
 * its convention counts them, inter-bailleur mobility and weighted post-CAL refusals), each with
 * the event id and global position that prove it. Same counting rules as the convention flux
 * figures, so its total equals theirs for the same filter.
 */
export async function readLedger(
  pool: Pool,
  store: EventStore,
  reservataireId: string,
  year: number,
  bailleurId?: string,
): Promise<Ledger> {
  const { rows: streams } = await pool.query<{ stream_id: string }>(
    "SELECT stream_id FROM streams WHERE stream_id LIKE 'reservation:%'",
  );
  const conventions = new Map<string, ConventionTerms>();
  for (const [, stream] of await store.readStreams(streams.map((s) => s.stream_id))) {
    const state = stream.events.reduce(
      (current, event) =>
        reservationDecider.evolve(current, {
          ...({ type: event.type, data: event.data } as ReservationEvent),
          eventId: event.eventId,
          streamVersion: event.streamVersion,
        }),
      reservationDecider.initialState,
    );
    const terms = state.terms;
    if (!terms || terms.reservataireId !== reservataireId || (bailleurId && terms.bailleurId !== bailleurId)) continue;
    if (terms.period.startYear > year || terms.period.endYear < year) continue;
    // One convention per bailleur × département counts; if two overlap, the one signed last.
    const key = compositeKey('bailleur-departement', terms.bailleurId, terms.departement);
    const current = conventions.get(key);
    if (!current || current.signedOn < terms.signedOn) conventions.set(key, terms);
  }
  const { rows: leases } = await pool.query<{
    lease: LeaseSignedData;
    event_id: string;
    valid_from: string;
    recorded_at: Date;
    actor: string;
  }>(
    `SELECT lf.lease, lf.event_id, lf.valid_from, e.recorded_at, e.metadata->>'actor' AS actor
     FROM lease_facts lf JOIN events e ON e.event_id = lf.event_id
     WHERE lf.year = $1 AND lf.valid_to IS NULL AND lf.lease->>'reservataireId' = $2 AND ($3::text IS NULL OR lf.lease->>'bailleurId' = $3)`,
    [year, reservataireId, bailleurId ?? null],
  );
  const rows: LedgerRow[] = [];
  for (const row of leases) {
    const lease = row.lease;
    // Internal mutations are attributions, but no réservataire counts them.
    if (lease.flags.internalMutation) continue;
    const convention =
      conventions.get(compositeKey('bailleur-departement', lease.bailleurId, departementOfCommune(lease.flat.communeInsee))) ??
      null;
    if (lease.flags.interBailleurMobility && !convention?.countingOptions.interBailleurMobility) continue;
    rows.push({
      date: lease.leaseDate,
      bailleurId: lease.bailleurId,
      conventionId: convention?.conventionId ?? null,
      rplsId: lease.flat.rplsId,
      communeInsee: lease.flat.communeInsee,
      inQpv: lease.flat.qpvCode !== null,
      rule: lease.flags.interBailleurMobility ? 'mobilite_inter_bailleurs' : 'bail_signe',
      weight: 1,
      eventId: row.event_id,
      globalPosition: Number(row.valid_from),
      recordedAt: parisTimestamp(row.recorded_at),
      actor: row.actor,
    });
  }
  for (const convention of conventions.values()) {
    const option = convention.countingOptions.postCalRefusals;
    if (!option.enabled || convention.gestionMode === 'deleguee') continue;
    const { rows: refusals } = await pool.query<{
      event_id: string;
      global_position: string;
      recorded_at: Date;
      actor: string;
      declined_on: string;
      flat: { rplsId: string; communeInsee: string; qpvCode: string | null };
    }>(
      `SELECT d.event_id, d.global_position, d.recorded_at, d.metadata->>'actor' AS actor, d.data->>'declinedOn' AS declined_on, c.data->'flat' AS flat
       FROM events d JOIN LATERAL (
         SELECT data FROM events c WHERE c.stream_id = d.stream_id AND c.event_type = 'CalDecisionRecorded'
           AND c.data->>'reservataireId' = $3 AND c.data->'flat'->>'communeInsee' LIKE $4 || '%'
         ORDER BY c.stream_version DESC LIMIT 1) c ON true
       WHERE d.event_type = 'OfferDeclined' AND d.data->>'bailleurId' = $1 AND substr(d.data->>'declinedOn', 1, 4) = $2`,
      [convention.bailleurId, String(year), reservataireId, convention.departement],
    );
    for (const refusal of refusals) {
      rows.push({
        date: refusal.declined_on,
        bailleurId: convention.bailleurId,
        conventionId: convention.conventionId,
        rplsId: refusal.flat.rplsId,
        communeInsee: refusal.flat.communeInsee,
        inQpv: refusal.flat.qpvCode !== null,
        rule: 'refus_apres_cal',
        weight: option.weight,
        eventId: refusal.event_id,
        globalPosition: Number(refusal.global_position),
        recordedAt: parisTimestamp(refusal.recorded_at),
        actor: refusal.actor,
      });
    }
  }
  rows.sort((a, b) => a.date.localeCompare(b.date) || a.globalPosition - b.globalPosition);
  return { reservataireId, year, bailleurId: bailleurId ?? null, rows, total: rows.reduce((sum, row) => sum + row.weight, 0) };
}
