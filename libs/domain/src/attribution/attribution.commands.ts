import type { EpciSources } from '../referential/territory.js';
import type { QpvEntry } from '../referential/referential.js';
import type { KnownOrganisation, OrganisationsContext } from '../referential/known-organisations.js';
import type { CalDecisionRecorded, ExistingLease, LeaseSignedData, OfferDeclined } from './attribution.events.js';

/**
 * What the referential says about the flat, looked up by the caller before deciding (every
 * dated version: the decider picks the one in force on the fact's date):
 * - `membershipCommune`: the commune the flat's INSEE code counts as for EPCI membership (the
 *   code itself, or the commune of a municipal arrondissement: 75115 → 75056); null: unknown code;
 * - `epcis`: the sources of the EPCIs that may hold it (the one named, the official one, the
 *   registered ones listing it);
 * - `qpv`: the QPV the fact names as registered, with every registered version (validity and
 *   communes; null: not registered; absent when it names none);
 * - `organisations`: whether the bailleur and réservataire it names are registered;
 *   `epciClosest`: registered or official EPCIs closest to an unknown SIREN.
 */
export interface LeaseReferentialContext {
  readonly membershipCommune: string | null;
  readonly epcis: Readonly<Record<string, EpciSources>>;
  readonly organisations: OrganisationsContext;
  readonly epciClosest?: KnownOrganisation['closest'];
  readonly qpv?: {
    readonly code: string;
    readonly versions: readonly Pick<QpvEntry, 'validFrom' | 'validTo' | 'communes'>[];
  } | null;
  /** Registered QPV codes closest to an unregistered one. */
  readonly qpvClosest?: readonly string[];
}

export interface RecordSignedLease {
  readonly type: 'RecordSignedLease';
  readonly data: LeaseSignedData;
  readonly referential: LeaseReferentialContext;
  /** Time of the request, given by the caller so that `decide` stays pure. */
  readonly now: Date;
  /**
   * The bailleur's leases in force with the same household, flat and lease date under another
   * reference (`leaseIdentityOf`), in the order they were recorded: looked up by the caller
   * before deciding, and checked again when the lease is appended.
   */
  readonly sameLeases: readonly ExistingLease[];
  /** The bailleur confirms this is another lease than `sameLeases` (`confirmeDoublon`). */
  readonly confirmDuplicate: boolean;
}

export interface CancelLease {
  readonly type: 'CancelLease';
  /** The lease, and the bailleur and case the caller addresses it in: all three must be the lease's. */
  readonly data: { readonly bailleurId: string; readonly caseId: string; readonly leaseId: string; readonly reason: string };
}

export interface CorrectLease {
  readonly type: 'CorrectLease';
  readonly data: { readonly lease: LeaseSignedData; readonly reason: string };
  readonly referential: LeaseReferentialContext;
  readonly now: Date;
  /**
   * The bailleur's leases in force with the corrected lease's household, flat and lease date
   * (`leaseIdentityOf` of the new version), as for RecordSignedLease: a correction that turns a
   * lease into a copy of another is a probable duplicate too.
   */
  readonly sameLeases: readonly ExistingLease[];
  /** The bailleur confirms the corrected lease is another lease than `sameLeases` (`confirmeDoublon`). */
  readonly confirmDuplicate: boolean;
}

/**
 * Put a lease back as it stood in an earlier version, read from the log by the caller (the undo of
 * an import): the version the import replaced by corrections, or the version it cancelled.
 * `expected` is where the lease must stand for the restore to apply: in force, its current version
 * held by the event `eventId` (then a LeaseCorrected back to `version`), or cancelled, the
 * cancelled version held by `eventId` (then a LeaseSigned of `version`: the lease counts again).
 * Anything else (changed since) is refused: the caller says it could not restore that lease.
 */
export interface RestoreLease {
  readonly type: 'RestoreLease';
  readonly data: {
    readonly version: LeaseSignedData;
    readonly expected: { readonly status: 'leased' | 'cancelled'; readonly eventId: string };
    readonly reason: string;
  };
}

export interface RecordCalDecision {
  readonly type: 'RecordCalDecision';
  readonly data: CalDecisionRecorded['data'];
  readonly referential: LeaseReferentialContext;
  readonly now: Date;
}

export interface DeclineOffer {
  readonly type: 'DeclineOffer';
  readonly data: OfferDeclined['data'];
  readonly now: Date;
}

export type AttributionCommand = RecordSignedLease | CancelLease | CorrectLease | RestoreLease | RecordCalDecision | DeclineOffer;
