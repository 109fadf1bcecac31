import type { Pool } from 'pg';
import {
  conventionFlux,
  fluxStreamId,
  conventionAgreed,
  pendingAgreements,
  reservationDecider,
  reservationStreamId,
  termsForYear,
  type ConventionFlux,
  type ConventionRef,
  type ConventionTerms,
  type FluxEvent,
  type LeaseSignedData,
} from '@vigie/domain';
import { loadAggregate, type EventStore } from '@vigie/event-store';

/** Every convention recorded (its reference, read from the event that signed it), for the monitors that walk them all. */
export async function readConventionRefs(pool: Pool): Promise<ConventionRef[]> {
  const { rows } = await pool.query<ConventionRef>(
    `SELECT data->>'bailleurId' AS "bailleurId", data->>'reservataireId' AS "reservataireId", data->>'conventionId' AS "conventionId"
       FROM events WHERE event_type = 'ReservationConventionSigned' ORDER BY global_position`,
  );
  return rows;
}

/**
 * Everything a convention's flux figures are computed from, read now: the convention and its
 * revisions, the bailleur's flux stream for the year, its leases on the réservataire's flux
 * (current versions, from lease_facts), the post-CAL refusals, and whether the réservataire is
 * the État. Used by the API and by the alert monitor alike.
 */
export async function readConventionFlux(
  pool: Pool,
  store: EventStore,
  convention: ConventionRef,
  year: number,
  referenceDate: string,
): Promise<
  | {
      terms: ConventionTerms;
      figures: ConventionFlux;
      /** Whether both parties agreed to the terms, and what still waits for an agreement. */
      agreement: { complete: boolean; pending: ReturnType<typeof pendingAgreements> };
    }
  | undefined
> {
  const { state } = await loadAggregate(store, reservationStreamId(convention), reservationDecider);
  if (!state.terms) return undefined;
  const terms = state.terms;
  const [flux, leases, refusals, kind] = await Promise.all([
    store.readStream(fluxStreamId(terms.bailleurId, year)),
    pool.query<{ lease: LeaseSignedData }>(
      `SELECT lease FROM lease_facts WHERE year = $1 AND valid_to IS NULL AND lease->>'bailleurId' = $2 AND lease->>'reservataireId' = $3`,
      [year, terms.bailleurId, terms.reservataireId],
    ),
    // Refusals after a CAL that oriented the flat to this réservataire, in the convention's département.
    pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM events d
       WHERE d.event_type = 'OfferDeclined' AND d.data->>'bailleurId' = $1 AND substr(d.data->>'declinedOn', 1, 4) = $2
         AND EXISTS (SELECT 1 FROM events c WHERE c.stream_id = d.stream_id AND c.event_type = 'CalDecisionRecorded'
                     AND c.data->>'reservataireId' = $3 AND c.data->'flat'->>'communeInsee' LIKE $4 || '%')`,
      [terms.bailleurId, String(year), terms.reservataireId, terms.departement],
    ),
    pool.query<{ kind: string }>(
      "SELECT entry->>'kind' AS kind FROM referential_entries WHERE kind = 'reservataire' AND id = $1",
      [terms.reservataireId],
    ),
  ]);
  const figures = conventionFlux({
    terms,
    inForce: termsForYear(state, year)!,
    year,
    referenceDate,
    flux: flux.events.map((event) => ({ type: event.type, data: event.data }) as FluxEvent),
    leases: leases.rows.map((row) => row.lease),
    postCalRefusals: Number(refusals.rows[0]!.n),
    etat: kind.rows[0]?.kind === 'etat',
  });
  return { terms, figures, agreement: { complete: conventionAgreed(state), pending: pendingAgreements(state) } };
}
