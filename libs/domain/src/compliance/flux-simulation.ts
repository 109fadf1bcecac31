import type { LeaseSignedData } from '../attribution/attribution.events.js';
import { contingentCheck, leaseOnFlux, realisedOf, type ConventionFlux } from '../flux/convention-flux.js';
import { conventionPerimeter, type ConventionTerms } from '../flux/reservation.js';
import type { ComplianceStatus } from './compliance.js';
import { changeInPoints } from './simulation.js';

/**
 * Where a convention stands against its yearly commitment (`target`: share × net base, or the
 * annual volume): reached once the total counted reaches it; nothing to evaluate while nothing is owed.
 */
export function commitmentStatus(figures: Pick<ConventionFlux, 'target' | 'counted'>): ComplianceStatus {
  if (!(figures.target > 0)) return 'non_evaluable';
  return figures.counted.total >= figures.target ? 'atteint' : 'en_retard';
}

/**
 * A convention's flux figures with one more lease (`conventionFlux` of the same facts plus the
 * lease, without reading them again): the lease counts when it is of the convention's bailleur and
 * lies on its réservataire's flux within its perimeter in the figures' year (an internal mutation
 * never does); as a signed lease, or as an inter-bailleur mobility (in its own column, counted only
 * when the convention switches the option on). A préfet convention's contingent readings move with it.
 * Property test: flux-simulation.unit.spec.ts.
 */
export function addLeaseToConventionFlux(
  figures: ConventionFlux,
  terms: ConventionTerms,
  lease: LeaseSignedData,
): ConventionFlux {
  if (
    lease.bailleurId !== terms.bailleurId ||
    !leaseOnFlux(lease, terms.reservataireId, conventionPerimeter(terms), figures.year)
  )
    return figures;
  const mobility = lease.flags.interBailleurMobility;
  const counted = {
    bailSigne: figures.counted.bailSigne + (mobility ? 0 : 1),
    interBailleurMobility:
      figures.counted.interBailleurMobility + (mobility && terms.countingOptions.interBailleurMobility ? 1 : 0),
    postCalRefusals: figures.counted.postCalRefusals,
    aPosterioriValidation: figures.counted.aPosterioriValidation,
  };
  // Summed in conventionFlux's order: a weighted refusal makes the total a float.
  const total = counted.bailSigne + counted.interBailleurMobility + counted.postCalRefusals + counted.aPosterioriValidation;
  const { contingent, netBase } = figures;
  return {
    ...figures,
    counted: { ...counted, total },
    ...realisedOf(total, netBase),
    gapToProRata: total - figures.proRataTargetToDate,
    contingent: contingent
      ? contingentCheck(
          netBase,
          contingent.oriented.count,
          contingent.leases.count + 1,
          contingent.publicAgents.count + (lease.flags.publicAgent ? 1 : 0),
        )
      : null,
  };
}

/** What a candidate's lease would do to the convention it counts on: its figures before and after. */
export interface SimulatedConventionFlux {
  readonly conventionId: string;
  readonly bailleurId: string;
  readonly reservataireId: string;
  /** The column the lease would be counted in, or null when the convention does not count it (a mobility without the option). */
  readonly countedAs: 'bailSigne' | 'interBailleurMobility' | null;
  readonly before: ConventionFlux & { readonly status: ComplianceStatus };
  readonly after: ConventionFlux & { readonly status: ComplianceStatus };
  /** Change of the realised share of the net base, in percentage points (CHANGE_POINTS_DECIMALS). */
  readonly changePoints: number | null;
  /** `vers_atteint`: the lease completes the year's commitment. */
  readonly crossing: 'vers_atteint' | null;
  /** Préfet contingent: the readings (leases on its flux ≤ 30 %, public agents ≤ 5 % of the net base) the lease takes over their limit. */
  readonly limitsCrossed: ReadonlyArray<'leases' | 'publicAgents'>;
}

/** A convention's figures with their status against the commitment, built once per figures object. */
const withStatus = new WeakMap<ConventionFlux, SimulatedConventionFlux['before']>();

function statusOf(figures: ConventionFlux): SimulatedConventionFlux['before'] {
  let shown = withStatus.get(figures);
  if (!shown) {
    shown = { ...figures, status: commitmentStatus(figures) };
    withStatus.set(figures, shown);
  }
  return shown;
}

/**
 * Each convention's figures as one lease moves them, by what the lease adds (nothing, a signed
 * lease or a mobility, a public agent or not): the candidates and callers moving a convention alike
 * share one result, computed once per figures object (the figures of a position, read once).
 */
const fluxMoves = new WeakMap<ConventionFlux, WeakMap<ConventionTerms, Map<string, SimulatedConventionFlux>>>();

/**
 * What a candidate's lease would do to the convention it counts on. The result is shared with other
 * calls on the same figures and terms objects whose lease moves them alike (read-only).
 */
export function simulateConventionFlux(
  before: ConventionFlux,
  terms: ConventionTerms,
  lease: LeaseSignedData,
): SimulatedConventionFlux {
  // Every fact of the lease addLeaseToConventionFlux reads, the figures and terms aside.
  const counts =
    lease.bailleurId === terms.bailleurId && leaseOnFlux(lease, terms.reservataireId, conventionPerimeter(terms), before.year);
  const move = counts ? `${lease.flags.interBailleurMobility}|${lease.flags.publicAgent}` : 'none';
  let byTerms = fluxMoves.get(before);
  if (!byTerms) {
    byTerms = new WeakMap();
    fluxMoves.set(before, byTerms);
  }
  let known = byTerms.get(terms);
  if (!known) {
    known = new Map();
    byTerms.set(terms, known);
  }
  let simulated = known.get(move);
  if (!simulated) {
    simulated = simulateMove(before, terms, lease);
    known.set(move, simulated);
  }
  return simulated;
}

function simulateMove(before: ConventionFlux, terms: ConventionTerms, lease: LeaseSignedData): SimulatedConventionFlux {
  const after = addLeaseToConventionFlux(before, terms, lease);
  const shownBefore = statusOf(before);
  const shownAfter = after === before ? shownBefore : { ...after, status: commitmentStatus(after) };
  const countedAs =
    after.counted.bailSigne > before.counted.bailSigne
      ? 'bailSigne'
      : after.counted.interBailleurMobility > before.counted.interBailleurMobility
        ? 'interBailleurMobility'
        : null;
  const limitsCrossed = (['leases', 'publicAgents'] as const).filter(
    (reading) => before.contingent?.[reading].withinLimit === true && after.contingent?.[reading].withinLimit === false,
  );
  return {
    conventionId: terms.conventionId,
    bailleurId: terms.bailleurId,
    reservataireId: terms.reservataireId,
    countedAs,
    before: shownBefore,
    after: shownAfter,
    changePoints: changeInPoints(before.realisedShare, after.realisedShare),
    crossing: shownBefore.status !== 'atteint' && shownAfter.status === 'atteint' ? 'vers_atteint' : null,
    limitsCrossed,
  };
}
