import type { Pool } from 'pg';
import { FluxReadCache } from './read-cache.js';
import {
  conventionCovering,
  placeOfFlat,
  type ConventionTerms,
  type LeaseSignedData,
  type PostCalRefusalFact,
  type ReservationState,
  parisTimestamp,
} from '@vigie/domain';

export type LedgerRule = 'bail_signe' | 'mobilite_inter_bailleurs' | 'refus_apres_cal' | 'validation_a_posteriori';

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
 * figures (the convention whose perimeter holds the flat), so its total equals theirs for the
 * same filter. Read from the read models only: flux_conventions, lease_facts with
 * flux_lease_meta, flux_refusals.
 */
export function readLedger(
  pool: Pool,
  reservataireId: string,
  year: number,
  bailleurId?: string,
  cut: LedgerCut = NO_CUT,
): Promise<Ledger> {
  return ledgers.get(pool, [reservataireId, year, bailleurId ?? null, cut.position, cut.signedUntil], () =>
    computeLedger(pool, reservataireId, year, bailleurId, cut),
  );
}

/**
 * The two times of a read: `position`, the facts as Vigie knew them at that global position
 * (null: as they stand); `signedUntil`, only facts dated on or before that day (YYYY-MM-DD). The
 * conventions that decide what counts are read as they stand.
 */
export interface LedgerCut {
  readonly position: number | null;
  readonly signedUntil: string | null;
}

export const NO_CUT: LedgerCut = { position: null, signedUntil: null };

/** SQL of "the lease version in force at $n" (or now, when $n is null) over lease_facts aliased `lf`. */
export function leaseInForceAt(parameter: number): string {
  return `(CASE WHEN $${parameter}::bigint IS NULL THEN lf.valid_to IS NULL
               ELSE lf.valid_from <= $${parameter} AND (lf.valid_to IS NULL OR lf.valid_to > $${parameter}) END)`;
}

const ledgers = new FluxReadCache<Ledger>();

async function computeLedger(
  pool: Pool,
  reservataireId: string,
  year: number,
  bailleurId: string | undefined,
  cut: LedgerCut,
): Promise<Ledger> {
  const [conventionRows, leases, refusals, validations] = await Promise.all([
    pool.query<{ state: ReservationState }>(
      'SELECT state FROM flux_conventions WHERE reservataire_id = $1 AND ($2::text IS NULL OR bailleur_id = $2)',
      [reservataireId, bailleurId ?? null],
    ),
    pool.query<{ lease: LeaseSignedData; event_id: string; valid_from: string; recorded_at: Date | null; actor: string | null }>(
      `SELECT lf.lease, lf.event_id, lf.valid_from, m.recorded_at, m.actor
         FROM lease_facts lf LEFT JOIN flux_lease_meta m ON m.event_id = lf.event_id
        WHERE lf.year = $1 AND ${leaseInForceAt(4)} AND lf.lease->>'reservataireId' = $2 AND ($3::text IS NULL OR lf.lease->>'bailleurId' = $3)
          AND ($5::text IS NULL OR lf.lease->>'leaseDate' <= $5)`,
      [year, reservataireId, bailleurId ?? null, cut.position, cut.signedUntil],
    ),
    pool.query<{ refusal: PostCalRefusalFact; event_id: string; position: string; recorded_at: Date; actor: string | null }>(
      `SELECT refusal, event_id, position, recorded_at, actor FROM flux_refusals
        WHERE reservataire_id = $1 AND year = $2 AND ($3::text IS NULL OR bailleur_id = $3)
          AND ($4::bigint IS NULL OR position <= $4) AND ($5::text IS NULL OR refusal->>'date' <= $5)`,
      [reservataireId, year, bailleurId ?? null, cut.position, cut.signedUntil],
    ),
    pool.query<{
      validation: { conventionId: string; bailleurId: string; rplsId: string; communeInsee: string; validatedOn: string };
      event_id: string;
      position: string;
      recorded_at: Date;
      actor: string | null;
    }>(
      `SELECT validation, event_id, position, recorded_at, actor FROM flux_validations
        WHERE reservataire_id = $1 AND year = $2 AND ($3::text IS NULL OR bailleur_id = $3)
          AND ($4::bigint IS NULL OR position <= $4) AND ($5::text IS NULL OR validation->>'validatedOn' <= $5)`,
      [reservataireId, year, bailleurId ?? null, cut.position, cut.signedUntil],
    ),
  ]);
  const conventions = conventionRows.rows
    .map((row) => row.state.terms)
    .filter((terms): terms is ConventionTerms => terms !== null);
  const rows: LedgerRow[] = [];
  for (const row of leases.rows) {
    const lease = row.lease;
    // Internal mutations are attributions, but no réservataire counts them.
    if (lease.flags.internalMutation) continue;
    const convention = conventionCovering(conventions, lease.bailleurId, placeOfFlat(lease.flat), year);
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
      recordedAt: row.recorded_at ? parisTimestamp(row.recorded_at) : '',
      actor: row.actor ?? '',
    });
  }
  for (const row of refusals.rows) {
    const { refusal } = row;
    const convention = conventionCovering(conventions, refusal.bailleurId, placeOfFlat(refusal.flat), year);
    const option = convention?.countingOptions.postCalRefusals;
    if (!convention || !option?.enabled || convention.gestionMode === 'deleguee') continue;
    rows.push({
      date: refusal.date,
      bailleurId: refusal.bailleurId,
      conventionId: convention.conventionId,
      rplsId: refusal.flat.rplsId,
      communeInsee: refusal.flat.communeInsee,
      inQpv: (refusal.flat.qpvCode ?? null) !== null,
      rule: 'refus_apres_cal',
      weight: option.weight,
      eventId: row.event_id,
      globalPosition: Number(row.position),
      recordedAt: parisTimestamp(row.recorded_at),
      actor: row.actor ?? '',
    });
  }
  for (const row of validations.rows) {
    const { validation } = row;
    const convention = conventions.find(
      (terms) => terms.conventionId === validation.conventionId && terms.bailleurId === validation.bailleurId,
    );
    // Counted only when the convention switches the option on, like the convention's flux figures.
    if (!convention?.countingOptions.aPosterioriValidation) continue;
    rows.push({
      date: validation.validatedOn,
      bailleurId: validation.bailleurId,
      conventionId: validation.conventionId,
      rplsId: validation.rplsId,
      communeInsee: validation.communeInsee,
      inQpv: false,
      rule: 'validation_a_posteriori',
      weight: 1,
      eventId: row.event_id,
      globalPosition: Number(row.position),
      recordedAt: parisTimestamp(row.recorded_at),
      actor: row.actor ?? '',
    });
  }
  rows.sort((a, b) => a.date.localeCompare(b.date) || a.globalPosition - b.globalPosition);
  return { reservataireId, year, bailleurId: bailleurId ?? null, rows, total: rows.reduce((sum, row) => sum + row.weight, 0) };
}
