import type { LeaseSignedData } from '../attribution/attribution.events.js';
import { dayOfYear, daysInYear, yearOf } from '../calendar/paris-calendar.js';
import type { ExclusionReason, FluxEvent } from './flux-ledger.js';
import { departementOfCommune } from './flux-ledger.js';
import type { ConventionTerms } from './reservation.js';

/** What was realised for a reservation convention in a year, each counting option in its own column. */
export interface ConventionFlux {
  readonly bailleurId: string;
  readonly reservataireId: string;
  readonly conventionId: string;
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
    /** A-posteriori validation: not recorded yet by Vigie, always 0. */
    readonly aPosterioriValidation: number;
    readonly total: number;
  };
  /** Flats (or rehousings) owed for the year: share × net base, or the annual volume. */
  readonly target: number;
  readonly conventionShare: number | null;
  readonly realisedShare: number | null;
  /** The part of the target due by the reference date (whole target for a past year). */
  readonly proRataTargetToDate: number;
  readonly gapToProRata: number;
  /** For a préfet (État) convention: share of the net flux oriented to it (≤ 30 %) and public agents housed on it (≤ 5 %). */
  readonly contingent: {
    readonly orientedShare: number | null;
    readonly publicAgentLeases: number;
    readonly publicAgentShare: number | null;
    readonly withinLimits: boolean | null;
  } | null;
}

function elapsedShare(year: number, referenceDate: string): number {
  const refYear = yearOf(referenceDate);
  if (year < refYear) return 1;
  if (year > refYear) return 0;
  return dayOfYear(referenceDate) / daysInYear(year);
}

export function conventionFlux(input: {
  readonly terms: ConventionTerms;
  readonly inForce: { readonly fluxShare: number | null; readonly annualVolume: number | null };
  readonly year: number;
  readonly referenceDate: string;
  /** Events of the bailleur's flux stream for the year. */
  readonly flux: readonly FluxEvent[];
  /** Current versions of the bailleur's leases signed in the year. */
  readonly leases: readonly LeaseSignedData[];
  /** OfferDeclined on cases the CAL oriented to this réservataire's flux, in the year and département. */
  readonly postCalRefusals: number;
  /** True when the réservataire is the État (préfet contingent). */
  readonly etat?: boolean;
}): ConventionFlux {
  const { terms, year } = input;
  const excluded = { internal_mutation: 0, internal_urban_renewal: 0, sale: 0, orcod: 0, lhi: 0 } as Record<
    ExclusionReason,
    number
  >;
  let netBase = 0;
  let oriented = 0;
  let returned = 0;
  for (const event of input.flux) {
    if (event.data.bailleurId !== terms.bailleurId) continue;
    if (event.type === 'FlatReleased') {
      if (event.data.departement !== terms.departement) continue;
      if (event.data.inNetBase) netBase += 1;
      else if (event.data.exclusionReason) excluded[event.data.exclusionReason] += 1;
    } else if (
      event.data.conventionId === terms.conventionId &&
      // Returns recorded before convention ids were namespaced name no réservataire.
      (event.data.reservataireId ?? terms.reservataireId) === terms.reservataireId
    ) {
      if (event.type === 'FlatOrientedToReservataire') oriented += 1;
      else returned += 1;
    }
  }
  const ours = input.leases.filter(
    (lease) =>
      lease.bailleurId === terms.bailleurId &&
      lease.reservataireId === terms.reservataireId &&
      yearOf(lease.leaseDate) === year &&
      departementOfCommune(lease.flat.communeInsee) === terms.departement &&
      // Internal mutations are attributions but stay outside the flux: no réservataire counts them.
      !lease.flags.internalMutation,
  );
  const mobility = ours.filter((lease) => lease.flags.interBailleurMobility).length;
  const bailSigne = ours.length - mobility;
  const options = terms.countingOptions;
  const counted = {
    bailSigne,
    interBailleurMobility: options.interBailleurMobility ? mobility : 0,
    postCalRefusals:
      options.postCalRefusals.enabled && terms.gestionMode !== 'deleguee'
        ? input.postCalRefusals * options.postCalRefusals.weight
        : 0,
    aPosterioriValidation: 0,
  };
  const total = counted.bailSigne + counted.interBailleurMobility + counted.postCalRefusals + counted.aPosterioriValidation;
  const target = input.inForce.fluxShare !== null ? input.inForce.fluxShare * netBase : (input.inForce.annualVolume ?? 0);
  const proRataTargetToDate = target * elapsedShare(year, input.referenceDate);
  const publicAgentLeases = ours.filter((lease) => lease.flags.publicAgent).length;
  const contingent = input.etat
    ? {
        orientedShare: netBase ? oriented / netBase : null,
        publicAgentLeases,
        publicAgentShare: netBase ? publicAgentLeases / netBase : null,
        withinLimits: netBase ? oriented * 100 <= 30 * netBase && publicAgentLeases * 100 <= 5 * netBase : null,
      }
    : null;
  return {
    contingent,
    bailleurId: terms.bailleurId,
    reservataireId: terms.reservataireId,
    conventionId: terms.conventionId,
    year,
    netBase,
    excluded,
    oriented,
    returned,
    counted: { ...counted, total },
    target,
    conventionShare: input.inForce.fluxShare,
    realisedShare: netBase ? total / netBase : null,
    proRataTargetToDate,
    gapToProRata: total - proRataTargetToDate,
  };
}
