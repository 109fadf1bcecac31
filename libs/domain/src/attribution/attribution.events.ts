/**
 * Facts recorded about one vacant-flat case (stream `attribution:{bailleurId}:{caseId}`).
 * Event types never change; a new shape gets a new schema version and an upcaster.
 */

export const TYPOLOGIES = ['T1', 'T2', 'T3', 'T4', 'T5', 'T6+'] as const;
export type Typology = (typeof TYPOLOGIES)[number];

/** Financing of the flat (prêt locatif): PLAI, PLUS, PLS, PLI, or another scheme. */
export const FINANCINGS = ['PLAI', 'PLUS', 'PLS', 'PLI', 'autre'] as const;
export type Financing = (typeof FINANCINGS)[number];

/** Gestion directe: the réservataire proposes candidates; déléguée: the bailleur does it for it. */
export const GESTION_MODES = ['directe', 'deleguee'] as const;
export type GestionMode = (typeof GESTION_MODES)[number];

export interface Flat {
  /** RPLS identifier of the flat (national register of social flats). */
  readonly rplsId: string;
  /** INSEE code of the commune. */
  readonly communeInsee: string;
  /** SIREN of the EPCI the commune belongs to. */
  readonly epciSiren: string;
  /** QPV code the flat stands in as of the lease date, or null when outside any QPV. */
  readonly qpvCode: string | null;
  readonly typology: Typology;
  readonly financing: Financing;
}

export interface HouseholdComposition {
  /** Persons aged 14 or more, the first adult included. */
  readonly personsAged14OrMore: number;
  readonly childrenUnder14: number;
}

export interface Household {
  /** Keyed-hash pseudonym; never a name, NUD or address. */
  readonly pseudonymousId: string;
  readonly composition: HouseholdComposition;
  /** Yearly resources in euros (revenu fiscal de référence), or null when unknown. */
  readonly yearlyResources: number | null;
}

export interface HouseholdFlags {
  /** Reconnu prioritaire et urgent au titre du DALO. */
  readonly dalo: boolean;
  /** Priority category of art. L441-1 CCH (or a local label), or null. */
  readonly priorityCategory: string | null;
  /** Relogé au titre du renouvellement urbain (ANRU / NPNRU). */
  readonly relogeRenouvellementUrbain: boolean;
  /** Relogé au titre d'une copropriété dégradée. */
  readonly relogeCoproDegradee: boolean;
  readonly internalMutation: boolean;
  readonly interBailleurMobility: boolean;
  readonly publicAgent: boolean;
}

/** A household with none of the flags. */
export const NO_HOUSEHOLD_FLAGS: HouseholdFlags = {
  dalo: false,
  priorityCategory: null,
  relogeRenouvellementUrbain: false,
  relogeCoproDegradee: false,
  internalMutation: false,
  interBailleurMobility: false,
  publicAgent: false,
};

export interface LeaseSignedData {
  readonly leaseId: string;
  readonly caseId: string;
  readonly bailleurId: string;
  /** Date the lease was signed (YYYY-MM-DD): the counting criterion. */
  readonly leaseDate: string;
  readonly flat: Flat;
  readonly household: Household;
  readonly flags: HouseholdFlags;
  /** Réservataire whose flux the flat was counted for, or null for the bailleur's non-réservé stock. */
  readonly reservataireId: string | null;
  readonly gestionMode: GestionMode;
  /**
   * The CAL decision this lease executes (set by Vigie from the case's stream), or null when no
   * attribution decision for this household was recorded: accepted, but a data-quality flag.
   * Absent on leases recorded before CAL decisions were tracked.
   */
  readonly calDecisionEventId?: string | null;
  /**
   * The leases in force this one repeated (same household, flat and lease date under another
   * reference) when the bailleur confirmed it anyway (`confirmeDoublon`), set by Vigie: the
   * decision stays auditable. Absent when the lease repeated none.
   */
  readonly confirmedDuplicateOf?: readonly ExistingLease[];
}

/** A lease in force, as a refusal or a confirmation quotes it. */
export interface ExistingLease {
  readonly leaseId: string;
  readonly caseId: string;
  /** The event holding its current version (LeaseSigned or LeaseCorrected). */
  readonly eventId: string;
}

/** What makes two leases the same lease: the household, the flat and the lease date (a bailleur's). */
export interface LeaseIdentity {
  readonly bailleurId: string;
  readonly householdId: string;
  readonly rplsId: string;
  readonly leaseDate: string;
}

/**
 * A lease as the bailleur sent it: without what Vigie adds when recording it (the link to its CAL
 * decision, the leases a confirmed duplicate repeats). A retry is recognised on these facts.
 */
export function bailleurFactsOf(lease: object): object {
  return { ...lease, calDecisionEventId: undefined, confirmedDuplicateOf: undefined };
}

export function leaseIdentityOf(lease: LeaseSignedData): LeaseIdentity {
  return {
    bailleurId: lease.bailleurId,
    householdId: lease.household.pseudonymousId,
    rplsId: lease.flat.rplsId,
    leaseDate: lease.leaseDate,
  };
}

export interface LeaseSigned {
  readonly type: 'LeaseSigned';
  readonly data: LeaseSignedData;
}

/** The lease was cancelled (signed by mistake, withdrawn): it stops counting from this event on. */
export interface LeaseCancelled {
  readonly type: 'LeaseCancelled';
  readonly data: {
    readonly leaseId: string;
    readonly caseId: string;
    readonly bailleurId: string;
    readonly reason: string;
    /** The event (LeaseSigned or LeaseCorrected) whose lease is cancelled. */
    readonly cancelsEventId: string;
  };
}

/** A corrected version of the lease; it replaces the one it cites from this event on. */
export interface LeaseCorrected {
  readonly type: 'LeaseCorrected';
  readonly data: {
    readonly lease: LeaseSignedData;
    readonly reason: string;
    /** The event (LeaseSigned or LeaseCorrected) this correction fixes. */
    readonly correctsEventId: string;
  };
}

export const CAL_DECISIONS = ['attribution', 'attribution_sous_condition', 'non_attribution', 'irrecevable'] as const;
export type CalDecision = (typeof CAL_DECISIONS)[number];

export interface CalCandidate {
  /** Rank given by the commission (1 = first). */
  readonly rank: number;
  readonly householdPseudonymousId: string;
  readonly decision: CalDecision;
}

/** The commission (CAL / CALEOL) examined up to a few candidates for the flat. Counts nothing by itself. */
export interface CalDecisionRecorded {
  readonly type: 'CalDecisionRecorded';
  readonly data: {
    readonly caseId: string;
    readonly bailleurId: string;
    readonly calDate: string;
    readonly flat: Flat;
    readonly candidates: readonly CalCandidate[];
    /** Réservataire whose flux the flat was oriented to, or null (non réservé). */
    readonly reservataireId: string | null;
  };
}

/** The household the flat was attributed to refused it after the CAL. */
export interface OfferDeclined {
  readonly type: 'OfferDeclined';
  readonly data: {
    readonly caseId: string;
    readonly bailleurId: string;
    readonly householdPseudonymousId: string;
    readonly declinedOn: string;
    readonly reason: string | null;
  };
}

export type AttributionEvent = LeaseSigned | LeaseCancelled | LeaseCorrected | CalDecisionRecorded | OfferDeclined;
export type AttributionEventType = AttributionEvent['type'];
