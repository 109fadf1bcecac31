import { consumptionUnits, type Q1Status } from '../classification/household.js';
import {
  addToTally,
  classify,
  EMPTY_TALLY,
  figureOf,
  scopesOfLease,
  tallyOfFigure,
  type ComplianceReport,
  type ComplianceRules,
  type ComplianceStatus,
  type Figure,
  type GroupBy,
  type LeaseFact,
  type ScopeFigure,
} from './compliance.js';

/** The groupings a simulation reads its scopes from: every scope an attribution can move (with PRIO's pairs). */
export const SIMULATION_GROUP_BYS: readonly GroupBy[] = ['bailleur', 'reservataire', 'secteur'];

/** Whether an attribution moves a figure across its target. */
export type TargetCrossing = 'vers_atteint' | 'vers_en_retard' | null;

/** One scope an attribution moves: its figure before and after, the change in points and any crossing of the target. */
export interface SimulatedScope {
  readonly objective: string;
  readonly label: string;
  readonly scope: ScopeFigure['scope'];
  readonly before: Figure;
  readonly after: Figure;
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

/** Change in points and crossing of the target between two readings of a figure (masked values give null). */
export function changeBetween(
  before: { readonly rate: number | null; readonly status: ComplianceStatus; readonly target: number | null },
  after: { readonly rate: number | null; readonly status: ComplianceStatus },
): { changePoints: number | null; crossing: TargetCrossing } {
  const changePoints = before.rate === null || after.rate === null ? null : (after.rate - before.rate) * 100;
  let crossing: TargetCrossing = null;
  if (before.target !== null && before.status !== 'atteint' && after.status === 'atteint') crossing = 'vers_atteint';
  if (before.target !== null && before.status === 'atteint' && after.status === 'en_retard') crossing = 'vers_en_retard';
  return { changePoints, crossing };
}

const sameScope = (a: ScopeFigure['scope'], b: ScopeFigure['scope']) => a.kind === b.kind && a.id === b.id;

/**
 * What attributing the flat to one candidate would do to every figure it moves, without recording
 * anything: each scope whose population would hold the lease, its figure before (as the compliance
 * reports show it) and after (the same figure computed with the lease added).
 *
 * - `reports`: the EPCI's compliance reports of the lease's year, one per grouping of
 *   `SIMULATION_GROUP_BYS`, all at one position and for `referenceDate` (the day figures are read
 *   for, YYYY-MM-DD, Europe/Paris).
 * - `candidate`: the lease as it would be signed (date in the reports' year).
 *
 * The figure after is exactly the one `evaluateCompliance` gives once the lease is recorded
 * (property test `simulation.unit.spec.ts`). A scope the EPCI has no lease in yet starts empty.
 */
export function simulateAttribution(input: {
  readonly reports: readonly ComplianceReport[];
  readonly rules: ComplianceRules;
  readonly epciSiren: string;
  readonly year: number;
  readonly referenceDate: string;
  readonly candidate: LeaseFact;
}): CandidateSimulation {
  const { reports, rules, epciSiren, year, referenceDate, candidate } = input;
  const lease = classify(candidate, rules);
  const groupBys = reports.flatMap((report) => (report.groupBy ? [report.groupBy] : []));
  const beforeOf = (objective: string, scope: ScopeFigure['scope']): Figure | undefined => {
    for (const report of reports) {
      const found = report.objectives.find((o) => o.id === objective)?.scopes.find((s) => sameScope(s.scope, scope));
      if (found) return found.figure;
    }
    return undefined;
  };
  const scopes = scopesOfLease(lease, rules, epciSiren, groupBys).map(({ objectiveId, label, scope, target, rule }) => {
    const before = beforeOf(objectiveId, scope) ?? figureOf(EMPTY_TALLY, target, year, referenceDate);
    const after = figureOf(addToTally(tallyOfFigure(before), lease, rule), target, year, referenceDate);
    return { objective: objectiveId, label, scope, before, after, ...changeBetween(before, after) };
  });
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
