import { consumptionUnits, type Q1Status } from '../classification/household.js';
import {
  addToCounts,
  classify,
  EMPTY_TALLY,
  scopesOfLease,
  totalsOf,
  type ComplianceReport,
  type ComplianceRules,
  type ComplianceStatus,
  type FigureTotals,
  type GroupBy,
  type LeaseFact,
  type ScopeFigure,
} from './compliance.js';

/** The groupings a simulation reads its scopes from: every scope an attribution can move (with PRIO's pairs). */
export const SIMULATION_GROUP_BYS: readonly GroupBy[] = ['bailleur', 'reservataire', 'secteur'];

/** Whether an attribution moves a figure across its target. */
export type TargetCrossing = 'vers_atteint' | 'vers_en_retard' | null;

/**
 * One scope an attribution moves: its figure before and after (without the monthly trajectory: a
 * single lease moves the month of its date and every cumulative month after it), the change in
 * points and any crossing of the target.
 */
export interface SimulatedScope {
  readonly objective: string;
  readonly label: string;
  readonly scope: ScopeFigure['scope'];
  readonly before: FigureTotals;
  readonly after: FigureTotals;
  /** (rate after − rate before) × 100, in percentage points; null when a rate is missing. */
  readonly changePoints: number | null;
  readonly crossing: TargetCrossing;
}

/** What the rules derive from a candidate household in the flat, as the figures will count it. */
export interface CandidateReading {
  readonly q1: Q1Status;
  readonly inQpv: boolean;
  readonly priority: boolean;
  readonly reloge: boolean;
  readonly internalMutation: boolean;
  /** Consumption units of the household under the CIA's scale. */
  readonly consumptionUnits: number;
  /** Yearly resources per consumption unit (€), null when resources are missing. */
  readonly resourcesPerUc: number | null;
  /** Réservataire whose flux and PRIO scope it counts on (`non_reserve`: the bailleur's own stock). */
  readonly countsFor: string;
}

export interface CandidateSimulation {
  readonly reading: CandidateReading;
  readonly scopes: readonly SimulatedScope[];
}

/**
 * Precision of `changePoints`: thousandths of a percentage point. A rate moves by about
 * 100 / (denominator + 1) points when one lease joins its population, so an EPCI-year of 16 000
 * leases still shows a move of ~0.005 points instead of 0; finer digits would only repeat the
 * floating-point noise of the subtraction.
 */
export const CHANGE_POINTS_DECIMALS = 3;

/** (after − before) × 100 in percentage points, rounded to CHANGE_POINTS_DECIMALS (half away from zero). */
export function changeInPoints(before: number | null, after: number | null): number | null {
  if (before === null || after === null) return null;
  const scale = 10 ** CHANGE_POINTS_DECIMALS;
  const points = (after - before) * 100;
  const rounded = (Math.sign(points) * Math.round(Math.abs(points) * scale)) / scale;
  return rounded === 0 ? 0 : rounded;
}

/** Change in points and crossing of the target between two readings of a figure (masked values give null). */
export function changeBetween(
  before: { readonly rate: number | null; readonly status: ComplianceStatus; readonly target: number | null },
  after: { readonly rate: number | null; readonly status: ComplianceStatus },
): { changePoints: number | null; crossing: TargetCrossing } {
  const changePoints = changeInPoints(before.rate, after.rate);
  let crossing: TargetCrossing = null;
  if (before.target !== null && before.status !== 'atteint' && after.status === 'atteint') crossing = 'vers_atteint';
  if (before.target !== null && before.status === 'atteint' && after.status === 'en_retard') crossing = 'vers_en_retard';
  return { changePoints, crossing };
}

const scopeKey = (objective: string, scope: ScopeFigure['scope']) => `${objective}|${scope.kind}|${scope.id}`;

/**
 * The figures a CAL's candidates are simulated against, read once: the EPCI-year's compliance
 * reports (one per grouping of `SIMULATION_GROUP_BYS`, all at one position, read for
 * `referenceDate`, YYYY-MM-DD Europe/Paris) with every (objective, scope) figure indexed. Built
 * once per position and shared by every candidate and caller; a candidate then costs only the
 * few scopes its lease moves.
 */
export interface SimulationBase {
  readonly rules: ComplianceRules;
  readonly epciSiren: string;
  readonly year: number;
  readonly referenceDate: string;
  readonly groupBys: readonly GroupBy[];
  readonly figures: ReadonlyMap<string, FigureTotals>;
}

export function simulationBase(input: {
  readonly reports: readonly ComplianceReport[];
  readonly rules: ComplianceRules;
  readonly epciSiren: string;
  readonly year: number;
  readonly referenceDate: string;
}): SimulationBase {
  const figures = new Map<string, FigureTotals>();
  for (const report of input.reports)
    for (const objective of report.objectives)
      for (const { scope, figure } of objective.scopes) {
        const key = scopeKey(objective.id, scope);
        // The EPCI scope is in every report, identical: the first one read stands.
        if (figures.has(key)) continue;
        const { monthly: _monthly, ...totals } = figure;
        figures.set(key, totals);
      }
  const groupBys = input.reports.flatMap((report) => (report.groupBy ? [report.groupBy] : []));
  return {
    rules: input.rules,
    epciSiren: input.epciSiren,
    year: input.year,
    referenceDate: input.referenceDate,
    groupBys,
    figures,
  };
}

/**
 * Each base's scopes as one lease moves them, by what the lease adds to the scope's counts: the
 * figure after is fixed by the counts before (the base's) and the lease's share of them, so the
 * candidates and callers moving a scope alike share one result, computed once per base.
 */
const moves = new WeakMap<SimulationBase, Map<string, SimulatedScope>>();

/**
 * Each base's lists of scopes as candidates moving them alike get them: one array per sequence of
 * moved scopes (a tree with one level per scope of the list, its list at the node of its last scope).
 */
interface ScopeListNode {
  readonly next: Map<SimulatedScope, ScopeListNode>;
  list?: readonly SimulatedScope[];
}
const scopeLists = new WeakMap<SimulationBase, ScopeListNode>();

/**
 * What attributing the flat to one candidate would do to every figure it moves, without recording
 * anything: each scope whose population would hold the lease, its figure before (as the compliance
 * reports show it) and after (the scope's counts with the lease added: only the scopes it touches
 * are computed, never the EPCI-year again).
 *
 * `candidate`: the lease as it would be signed (date in the base's year). The figure after is
 * exactly the one `evaluateCompliance` gives once the lease is recorded (property tests
 * `simulation.unit.spec.ts`, from reports and from the live running counts). A scope the EPCI has
 * no lease in yet starts empty. The scopes returned, and their list, are shared with other calls
 * on the same base (read-only).
 */
export function simulateAttribution(base: SimulationBase, candidate: LeaseFact): CandidateSimulation {
  const { rules, epciSiren, year, referenceDate, groupBys, figures } = base;
  let known = moves.get(base);
  let lists = scopeLists.get(base);
  if (!known || !lists) {
    known = new Map();
    lists = { next: new Map() };
    moves.set(base, known);
    scopeLists.set(base, lists);
  }
  const lease = classify(candidate, rules);
  const moved = scopesOfLease(lease, rules, epciSiren, groupBys).map(({ objectiveId, label, scope, target, rule }) => {
    const key = scopeKey(objectiveId, scope);
    const counts = addToCounts(figures.get(key) ?? EMPTY_TALLY, lease, rule);
    const move = `${key}\u0000${counts.numerator}\u0000${counts.unknownQ1}\u0000${counts.pendingQ1}\u0000${counts.awaitingThreshold}\u0000${counts.internalMutations}`;
    let simulated = known.get(move);
    if (!simulated) {
      const before = figures.get(key) ?? totalsOf(EMPTY_TALLY, target, year, referenceDate);
      const after = totalsOf(counts, target, year, referenceDate);
      simulated = { objective: objectiveId, label, scope, before, after, ...changeBetween(before, after) };
      known.set(move, simulated);
    }
    return simulated;
  });
  // The same list again when another candidate moves the same scopes alike (its JSON, its views, written once).
  let node = lists;
  for (const simulated of moved) {
    let next = node.next.get(simulated);
    if (!next) {
      next = { next: new Map() };
      node.next.set(simulated, next);
    }
    node = next;
  }
  node.list ??= moved;
  const scopes = node.list;
  const uc = consumptionUnits(candidate.composition, rules.cia.options.ucScale);
  return {
    reading: {
      q1: lease.q1,
      inQpv: lease.inQpv,
      priority: lease.priority,
      reloge: lease.reloge,
      internalMutation: lease.mutation,
      consumptionUnits: uc,
      resourcesPerUc: candidate.yearlyResources === null ? null : Math.round((candidate.yearlyResources / uc) * 100) / 100,
      countsFor: lease.reservataire,
    },
    scopes,
  };
}
