import type { LeaseSignedData } from '../attribution/attribution.events.js';
import { dayOfYear, daysInYear, yearOf } from '../calendar/paris-calendar.js';
import { type ExclusionReason, flatStreamId, type FluxEvent, placeOfRelease } from './flux-ledger.js';
import { type ConventionPerimeter, inPerimeter, perimeterIsPartial, type Place, placeOfFlat } from './perimeter.js';
import { conventionPerimeter, type ConventionTerms } from './reservation.js';

/**
 * One flux fact as the read models keep it: dated by its own date (a flat released on 30 December
 * and oriented on 2 January gives a 2024 release and a 2025 orientation), with the place of the
 * flat's release (an orientation or a return lies where its flat does).
 */
export interface FluxFact {
  readonly kind: 'release' | 'orientation' | 'return';
  readonly date: string;
  readonly bailleurId: string;
  readonly rplsId: string;
  readonly place: Place;
  /** Release only: in the net base, or the reason it is not. */
  readonly inNetBase: boolean;
  readonly exclusionReason: ExclusionReason | null;
  /** Orientation and return: the convention (a legacy return names no réservataire: null). */
  readonly reservataireId: string | null;
  readonly conventionId: string | null;
  /** How many such facts this one stands for (a read model's count of identical facts); 1 when absent. */
  readonly count?: number;
}

/** The fact an event records, given the place of the flat's current release (null if none was seen). */
export function fluxFactOf(event: FluxEvent, releasePlace: Place | null): FluxFact {
  const unknown: Place = { departement: '?', communeInsee: null, epciSiren: null };
  switch (event.type) {
    case 'FlatReleased':
      return {
        kind: 'release',
        date: event.data.releasedOn,
        bailleurId: event.data.bailleurId,
        rplsId: event.data.rplsId,
        place: placeOfRelease(event.data),
        inNetBase: event.data.inNetBase,
        exclusionReason: event.data.exclusionReason,
        reservataireId: null,
        conventionId: null,
      };
    case 'FlatOrientedToReservataire':
    case 'FlatReturnedToBailleur':
      return {
        kind: event.type === 'FlatOrientedToReservataire' ? 'orientation' : 'return',
        date: event.type === 'FlatOrientedToReservataire' ? event.data.orientedOn : event.data.returnedOn,
        bailleurId: event.data.bailleurId,
        rplsId: event.data.rplsId,
        place: releasePlace ?? unknown,
        inNetBase: true,
        exclusionReason: null,
        reservataireId: event.data.reservataireId ?? null,
        conventionId: event.data.conventionId,
      };
  }
}

/**
 * The facts of a sequence of flux events in log order (what the flux projection keeps), each
 * orientation or return placed where its flat's current release is. `places` carries the flats'
 * places from one batch to the next.
 */
export function fluxFactsOf(events: readonly FluxEvent[], places: Map<string, Place> = new Map()): FluxFact[] {
  return events.map((event) => {
    const key = flatStreamId(event.data.bailleurId, event.data.rplsId);
    const fact = fluxFactOf(event, places.get(key) ?? null);
    if (fact.kind === 'release') places.set(key, fact.place);
    return fact;
  });
}

/** A refusal after a CAL that oriented the flat to a réservataire (OfferDeclined on its case). */
export interface PostCalRefusalFact {
  readonly date: string;
  readonly bailleurId: string;
  readonly reservataireId: string;
  readonly flat: {
    readonly rplsId: string;
    readonly communeInsee: string;
    readonly epciSiren: string;
    readonly qpvCode?: string | null;
  };
}

/** An a-posteriori validation recorded on a convention (APosterioriValidationRecorded). */
export interface ValidationFact {
  readonly date: string;
  readonly bailleurId: string;
  readonly reservataireId: string;
  readonly conventionId: string;
}

/** What was realised for a reservation convention in a year, each counting option in its own column. */
export interface ConventionFlux {
  readonly bailleurId: string;
  readonly reservataireId: string;
  readonly conventionId: string;
  /** The territory counted: the département, or the communes / EPCIs the convention lists. */
  readonly perimeter: ConventionPerimeter;
  readonly year: number;
  readonly netBase: number;
  readonly excluded: Readonly<Record<ExclusionReason, number>>;
  readonly oriented: number;
  readonly returned: number;
  readonly counted: {
    /** Leases signed on the convention's flux (the counting criterion). */
    readonly bailSigne: number;
    /** Inter-bailleur mobility of eligible tenants, when the convention counts it. */
    readonly interBailleurMobility: number;
    /** Post-CAL refusals of the réservataire's candidates (direct management), weighted, when counted. */
    readonly postCalRefusals: number;
    /** A-posteriori validations the réservataire recorded on the convention, when counted. */
    readonly aPosterioriValidation: number;
    readonly total: number;
  };
  /** Flats (or rehousings) owed for the year: share × net base, or the annual volume. */
  readonly target: number;
  readonly conventionShare: number | null;
  readonly realisedShare: number | null;
  /**
   * Attributions counted beyond the flats released in the year (the net base): more leases on the
   * réservataire's flux than flats its bailleur declared released there, a realised share over
   * 100 %, most often releases not all recorded. 0 when the counts agree.
   */
  readonly countedBeyondNetBase: number;
  /** The part of the target due by the reference date (whole target for a past year). */
  readonly proRataTargetToDate: number;
  readonly gapToProRata: number;
  /** For a préfet (État) convention: flats oriented to it and leases signed on its flux (≤ 30 % each), public agents (≤ 5 %). */
  readonly contingent: ContingentCheck | null;
}

/**
 * What a convention realised of its net base: the share (counted / net base, null without a net
 * base) and the attributions counted beyond it.
 */
export function realisedOf(total: number, netBase: number): Pick<ConventionFlux, 'realisedShare' | 'countedBeyondNetBase'> {
  return { realisedShare: netBase ? total / netBase : null, countedBeyondNetBase: Math.max(0, total - netBase) };
}

function elapsedShare(year: number, referenceDate: string): number {
  const refYear = yearOf(referenceDate);
  if (year < refYear) return 1;
  if (year > refYear) return 0;
  return dayOfYear(referenceDate) / daysInYear(year);
}

export interface ContingentReading {
  readonly count: number;
  readonly share: number | null;
  readonly limit: number;
  readonly withinLimit: boolean | null;
}

/** The préfet contingent read both ways, each against its limit (30 %; public agents 5 %) of the net base. */
export interface ContingentCheck {
  /** Flats of the net base oriented to the État. */
  readonly oriented: ContingentReading;
  /** Leases signed on the État's flux. */
  readonly leases: ContingentReading;
  /** Public agents housed on the État's flux. */
  readonly publicAgents: ContingentReading;
  /** Kept for readers of the first shape: the oriented reading and the public agents. */
  readonly orientedShare: number | null;
  readonly publicAgentLeases: number;
  readonly publicAgentShare: number | null;
  /** Every reading within its limit. */
  readonly withinLimits: boolean | null;
}

export const CONTINGENT_LIMIT_PERCENT = 30;
export const PUBLIC_AGENT_LIMIT_PERCENT = 5;

function reading(count: number, netBase: number, limitPercent: number): ContingentReading {
  return {
    count,
    share: netBase ? count / netBase : null,
    limit: limitPercent / 100,
    // Exact: compared on integers.
    withinLimit: netBase ? count * 100 <= limitPercent * netBase : null,
  };
}

export function contingentCheck(netBase: number, oriented: number, leases: number, publicAgents: number): ContingentCheck {
  const readings = {
    oriented: reading(oriented, netBase, CONTINGENT_LIMIT_PERCENT),
    leases: reading(leases, netBase, CONTINGENT_LIMIT_PERCENT),
    publicAgents: reading(publicAgents, netBase, PUBLIC_AGENT_LIMIT_PERCENT),
  };
  return {
    ...readings,
    orientedShare: readings.oriented.share,
    publicAgentLeases: publicAgents,
    publicAgentShare: readings.publicAgents.share,
    withinLimits: netBase
      ? Boolean(readings.oriented.withinLimit && readings.leases.withinLimit && readings.publicAgents.withinLimit)
      : null,
  };
}

/** Whether a lease counts on a réservataire's flux within a perimeter in a year (internal mutations never do). */
export function leaseOnFlux(lease: LeaseSignedData, reservataireId: string, perimeter: ConventionPerimeter, year: number) {
  return (
    lease.reservataireId === reservataireId &&
    yearOf(lease.leaseDate) === year &&
    !lease.flags.internalMutation &&
    inPerimeter(perimeter, placeOfFlat(lease.flat))
  );
}

export function conventionFlux(input: {
  readonly terms: ConventionTerms;
  readonly inForce: { readonly fluxShare: number | null; readonly annualVolume: number | null };
  readonly year: number;
  readonly referenceDate: string;
  /** The bailleur's flux facts (any superset of the year's: each counts in the year of its own date). */
  readonly flux: readonly FluxFact[];
  /** Current versions of the bailleur's leases (any superset of the year's). */
  readonly leases: readonly LeaseSignedData[];
  /** Refusals after a CAL oriented to a réservataire's flux (any superset of this convention's). */
  readonly postCalRefusals: readonly PostCalRefusalFact[];
  /** A-posteriori validations recorded on conventions (any superset of this one's). */
  readonly validations?: readonly ValidationFact[];
  /** True when the réservataire is the État (préfet contingent). */
  readonly etat?: boolean;
}): ConventionFlux {
  const { terms, year } = input;
  const perimeter = conventionPerimeter(terms);
  const excluded = { internal_mutation: 0, internal_urban_renewal: 0, sale: 0, orcod: 0, lhi: 0 } as Record<
    ExclusionReason,
    number
  >;
  let netBase = 0;
  let oriented = 0;
  let returned = 0;
  for (const fact of input.flux) {
    if (fact.bailleurId !== terms.bailleurId || yearOf(fact.date) !== year || !inPerimeter(perimeter, fact.place)) continue;
    const n = fact.count ?? 1;
    if (fact.kind === 'release') {
      if (fact.inNetBase) netBase += n;
      else if (fact.exclusionReason) excluded[fact.exclusionReason] += n;
    } else if (
      fact.conventionId === terms.conventionId &&
      // Returns recorded before convention ids were namespaced name no réservataire.
      (fact.reservataireId ?? terms.reservataireId) === terms.reservataireId
    ) {
      if (fact.kind === 'orientation') oriented += n;
      else returned += n;
    }
  }
  const ours = input.leases.filter(
    (lease) => lease.bailleurId === terms.bailleurId && leaseOnFlux(lease, terms.reservataireId, perimeter, year),
  );
  const refusals = input.postCalRefusals.filter(
    (refusal) =>
      refusal.bailleurId === terms.bailleurId &&
      refusal.reservataireId === terms.reservataireId &&
      yearOf(refusal.date) === year &&
      inPerimeter(perimeter, placeOfFlat(refusal.flat)),
  ).length;
  const mobility = ours.filter((lease) => lease.flags.interBailleurMobility).length;
  const bailSigne = ours.length - mobility;
  const options = terms.countingOptions;
  const counted = {
    bailSigne,
    interBailleurMobility: options.interBailleurMobility ? mobility : 0,
    postCalRefusals:
      options.postCalRefusals.enabled && terms.gestionMode !== 'deleguee' ? refusals * options.postCalRefusals.weight : 0,
    aPosterioriValidation: options.aPosterioriValidation
      ? (input.validations ?? []).filter(
          (v) =>
            v.conventionId === terms.conventionId &&
            v.reservataireId === terms.reservataireId &&
            v.bailleurId === terms.bailleurId &&
            yearOf(v.date) === year,
        ).length
      : 0,
  };
  const total = counted.bailSigne + counted.interBailleurMobility + counted.postCalRefusals + counted.aPosterioriValidation;
  const target = input.inForce.fluxShare !== null ? input.inForce.fluxShare * netBase : (input.inForce.annualVolume ?? 0);
  const proRataTargetToDate = target * elapsedShare(year, input.referenceDate);
  const publicAgentLeases = ours.filter((lease) => lease.flags.publicAgent).length;
  return {
    contingent: input.etat ? contingentCheck(netBase, oriented, ours.length, publicAgentLeases) : null,
    bailleurId: terms.bailleurId,
    reservataireId: terms.reservataireId,
    conventionId: terms.conventionId,
    perimeter,
    year,
    netBase,
    excluded,
    oriented,
    returned,
    counted: { ...counted, total },
    target,
    conventionShare: input.inForce.fluxShare,
    ...realisedOf(total, netBase),
    proRataTargetToDate,
    gapToProRata: total - proRataTargetToDate,
  };
}

/**
 * The convention a fact of a bailleur in a place counts on, among a réservataire's conventions in
 * force in the year: the one whose perimeter holds the place, the narrowest first (a commune's
 * before the département's), then the one signed last.
 */
export function conventionCovering(
  conventions: readonly ConventionTerms[],
  bailleurId: string,
  place: Place,
  year: number,
): ConventionTerms | null {
  let best: ConventionTerms | null = null;
  for (const terms of conventions) {
    if (terms.bailleurId !== bailleurId || terms.period.startYear > year || terms.period.endYear < year) continue;
    const perimeter = conventionPerimeter(terms);
    if (!inPerimeter(perimeter, place)) continue;
    if (!best) {
      best = terms;
      continue;
    }
    const narrower = perimeterIsPartial(perimeter) && !perimeterIsPartial(conventionPerimeter(best));
    const wider = !perimeterIsPartial(perimeter) && perimeterIsPartial(conventionPerimeter(best));
    if (narrower || (!wider && best.signedOn < terms.signedOn)) best = terms;
  }
  return best;
}
