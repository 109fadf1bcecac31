import type { Pool } from 'pg';
import { FluxReadCache } from './read-cache.js';
import {
  conventionAgreed,
  conventionFlux,
  pendingAgreements,
  termsForYear,
  type ConventionFlux,
  type ConventionRef,
  type ConventionTerms,
  type FluxFact,
  type LeaseSignedData,
  type PostCalRefusalFact,
  type ReservationState,
} from '@vigie/domain';

/** Every convention recorded, with its state (the flux projection), for the monitors that walk them all. */
export async function readConventions(pool: Pool): Promise<Array<{ ref: ConventionRef; state: ReservationState }>> {
  const { rows } = await pool.query<{
    bailleur_id: string;
    reservataire_id: string;
    convention_id: string;
    state: ReservationState;
  }>('SELECT bailleur_id, reservataire_id, convention_id, state FROM flux_conventions ORDER BY position');
  return rows.map((row) => ({
    ref: { bailleurId: row.bailleur_id, reservataireId: row.reservataire_id, conventionId: row.convention_id },
    state: row.state,
  }));
}

/** A convention's state as the flux projection holds it (undefined: not recorded, or not projected yet). */
export async function readConventionState(pool: Pool, ref: ConventionRef): Promise<ReservationState | undefined> {
  const { rows } = await pool.query<{ state: ReservationState }>(
    'SELECT state FROM flux_conventions WHERE bailleur_id = $1 AND reservataire_id = $2 AND convention_id = $3',
    [ref.bailleurId, ref.reservataireId, ref.conventionId],
  );
  return rows[0]?.state;
}

/**
 * A bailleur's flux facts of a year, counted per kind, place and convention (flux_counts); with a
 * convention, only its releases' département and its own orientations and returns.
 */
export async function readFluxCounts(
  pool: Pool,
  bailleurId: string,
  year: number,
  convention?: { departement: string; reservataireId: string; conventionId: string },
): Promise<FluxFact[]> {
  const { rows } = await pool.query<{ fact: FluxFact; n: number }>(
    convention
      ? `SELECT fact, n FROM flux_counts WHERE bailleur_id = $1 AND year = $2
           AND ((fact->>'kind' = 'release' AND fact->'place'->>'departement' = $3) OR fact->>'conventionId' = $4)`
      : 'SELECT fact, n FROM flux_counts WHERE bailleur_id = $1 AND year = $2',
    convention ? [bailleurId, year, convention.departement, convention.conventionId] : [bailleurId, year],
  );
  return rows.map((row) => ({ ...row.fact, count: row.n }));
}

/** Refusals after a CAL oriented to this réservataire's flux, by this bailleur, in the year. */
export async function readPostCalRefusals(
  pool: Pool,
  bailleurId: string,
  reservataireId: string,
  year: number,
): Promise<PostCalRefusalFact[]> {
  const { rows } = await pool.query<{ refusal: PostCalRefusalFact }>(
    'SELECT refusal FROM flux_refusals WHERE bailleur_id = $1 AND reservataire_id = $2 AND year = $3',
    [bailleurId, reservataireId, year],
  );
  return rows.map((row) => row.refusal);
}

/** Ids of the reservation conventions signed with a réservataire (any bailleur), as the flux read model has applied them. */
export async function readConventionIdsOf(pool: Pool, reservataireId: string): Promise<string[]> {
  const { rows } = await pool.query<{ convention_id: string }>(
    'SELECT DISTINCT convention_id FROM flux_conventions WHERE reservataire_id = $1 ORDER BY convention_id',
    [reservataireId],
  );
  return rows.map((row) => row.convention_id);
}

/** Ids of the réservataires the referential records as the État. */
export async function readEtatReservataires(pool: Pool): Promise<Set<string>> {
  const { rows } = await pool.query<{ id: string }>(
    "SELECT id FROM referential_entries WHERE kind = 'reservataire' AND entry->>'kind' = 'etat'",
  );
  return new Set(rows.map((row) => row.id));
}

/**
 * Everything a convention's flux figures are computed from, all read models: the convention
 * (flux_conventions, or the state the caller already holds), the bailleur's flux facts of the
 * year (flux_counts), its leases on the réservataire's flux (lease_facts), the post-CAL refusals
 * (flux_refusals), and whether the réservataire is the État. Used by the API and the alert monitor.
 */
export async function readConventionFlux(
  pool: Pool,
  convention: ConventionRef,
  year: number,
  referenceDate: string,
  known?: ReservationState,
): Promise<ConventionFluxRead | undefined> {
  // A state passed in that the projection does not hold yet (read from the stream) is not cached.
  if (known) return computeConventionFlux(pool, known, year, referenceDate);
  return conventionFluxes.get(
    pool,
    [convention.bailleurId, convention.reservataireId, convention.conventionId, year, referenceDate],
    async () => {
      const state = await readConventionState(pool, convention);
      return state ? computeConventionFlux(pool, state, year, referenceDate) : undefined;
    },
  );
}

export interface ConventionFluxRead {
  terms: ConventionTerms;
  figures: ConventionFlux;
  /** Whether both parties agreed to the terms, and what still waits for an agreement. */
  agreement: { complete: boolean; pending: ReturnType<typeof pendingAgreements> };
}

const conventionFluxes = new FluxReadCache<ConventionFluxRead | undefined>();

async function computeConventionFlux(
  pool: Pool,
  state: ReservationState,
  year: number,
  referenceDate: string,
): Promise<ConventionFluxRead | undefined> {
  if (!state.terms) return undefined;
  const terms = state.terms;
  const [flux, leases, refusals, kind, validations] = await Promise.all([
    readFluxCounts(pool, terms.bailleurId, year, terms),
    pool.query<{ lease: LeaseSignedData }>(
      `SELECT lease FROM lease_facts WHERE year = $1 AND lease->>'reservataireId' = $3 AND lease->>'bailleurId' = $2 AND valid_to IS NULL`,
      [year, terms.bailleurId, terms.reservataireId],
    ),
    readPostCalRefusals(pool, terms.bailleurId, terms.reservataireId, year),
    pool.query<{ kind: string }>(
      "SELECT entry->>'kind' AS kind FROM referential_entries WHERE kind = 'reservataire' AND id = $1",
      [terms.reservataireId],
    ),
    pool.query<{ date: string }>(
      `SELECT validation->>'validatedOn' AS date FROM flux_validations
        WHERE bailleur_id = $1 AND reservataire_id = $2 AND convention_id = $3 AND year = $4`,
      [terms.bailleurId, terms.reservataireId, terms.conventionId, year],
    ),
  ]);
  const figures = conventionFlux({
    terms,
    inForce: termsForYear(state, year)!,
    year,
    referenceDate,
    flux,
    leases: leases.rows.map((row) => row.lease),
    postCalRefusals: refusals,
    validations: validations.rows.map((row) => ({ date: row.date, ...terms })),
    etat: kind.rows[0]?.kind === 'etat',
  });
  return { terms, figures, agreement: { complete: conventionAgreed(state), pending: pendingAgreements(state) } };
}
