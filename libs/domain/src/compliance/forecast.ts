import { dayOfYear, daysInMonth, daysInYear, monthOf, yearOf } from '../calendar/paris-calendar.js';
import type { ComplianceReport, Figure, ScopeFigure } from './compliance.js';

/**
 * Year-end forecast of one objective's figure in one scope (method and sources: docs/forecast.md).
 *
 * - The volume still to come: the year's population is expected to reach `denominator / s`, where
 *   `s` is the share of a year's volume usually signed by the reference date — learned from the
 *   scope's months of previous years when there are any (`seasonality: 'history'`), else the share
 *   of the year's days elapsed (`'uniform'`, the pace `Figure.expectedYearEndDenominator` uses).
 * - The share of qualifying leases among those to come: unknown, estimated from the year so far
 *   (current pace) with a Jeffreys prior, p ~ Beta(numerator + ½, denominator − numerator + ½).
 * - The qualifying leases to come then follow a beta-binomial law over the remaining volume: the
 *   expected rate, the interval (equal-tailed, at `level`) and the probability of reaching the
 *   target (at least `neededToTarget` more qualifying leases) are read from it exactly.
 */
export interface YearEndForecast {
  /** Expected rate on 31 December (share 0–1); null when nothing is known of the year yet. */
  readonly expectedRate: number | null;
  /** Equal-tailed interval of the year-end rate at `level` (shares 0–1); null with the rate. */
  readonly interval: { readonly level: number; readonly low: number; readonly high: number } | null;
  /** Probability (0–1) that the year-end rate reaches the target; null without a target or a rate. */
  readonly probabilityOfTarget: number | null;
  /** Population expected on 31 December (leases), and what is still to come. */
  readonly expectedYearEndDenominator: number;
  readonly remaining: number;
  /** Qualifying leases still needed to reach the target at that volume (as on the figure). */
  readonly neededToTarget: number | null;
  /** Share (0–1) of a year's volume expected to be signed by the reference date. */
  readonly elapsedVolumeShare: number;
  readonly seasonality: 'history' | 'uniform';
  /** Previous years the seasonality was learned from. */
  readonly historyYears: number;
}

/** Default level of the interval. */
export const FORECAST_LEVEL = 0.9;

/** Pseudo-leases spread evenly over the year added to the history, so a thin history leans toward the calendar. */
const SEASONALITY_PRIOR_WEIGHT = 12;

/** ln Γ(x) for x > 0 (Lanczos approximation, g = 7, n = 9; relative error below 1e-13). */
function logGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
    -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let sum = c[0]!;
  for (let i = 1; i < 9; i += 1) sum += c[i]! / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** Probabilities of 0…n successes of a beta-binomial(n, a, b) law (computed in logs, normalised). */
export function betaBinomial(n: number, a: number, b: number): number[] {
  const logs = new Array<number>(n + 1);
  const logBetaAB = logGamma(a) + logGamma(b) - logGamma(a + b);
  let logChoose = 0;
  let max = -Infinity;
  for (let k = 0; k <= n; k += 1) {
    if (k > 0) logChoose += Math.log((n - k + 1) / k);
    logs[k] = logChoose + logGamma(k + a) + logGamma(n - k + b) - logGamma(n + a + b) - logBetaAB;
    if (logs[k]! > max) max = logs[k]!;
  }
  const weights = logs.map((value) => Math.exp(value - max));
  const total = weights.reduce((sum, w) => sum + w, 0);
  return weights.map((w) => w / total);
}

/**
 * Share of a year's volume signed by the end of a reference day: from previous years' monthly
 * volumes (each 12 counts, January first) pooled with `SEASONALITY_PRIOR_WEIGHT` leases spread
 * evenly, the reference month counting pro rata of its days; without history, days elapsed.
 */
export function elapsedVolumeShare(
  year: number,
  referenceDate: string,
  history: readonly (readonly number[])[],
): { share: number; seasonality: 'history' | 'uniform' } {
  const refYear = yearOf(referenceDate);
  if (year < refYear) return { share: 1, seasonality: history.length ? 'history' : 'uniform' };
  if (year > refYear) return { share: 0, seasonality: history.length ? 'history' : 'uniform' };
  const days = daysInYear(year);
  const used = history.filter((months) => months.reduce((sum, n) => sum + n, 0) > 0);
  if (used.length === 0) return { share: dayOfYear(referenceDate) / days, seasonality: 'uniform' };
  const pooled = Array.from({ length: 12 }, (_, m) => used.reduce((sum, months) => sum + (months[m] ?? 0), 0));
  const total = pooled.reduce((sum, n) => sum + n, 0) + SEASONALITY_PRIOR_WEIGHT;
  const weight = (m: number) => (pooled[m - 1]! + (SEASONALITY_PRIOR_WEIGHT * daysInMonth(year, m)) / days) / total;
  const month = monthOf(referenceDate);
  let share = 0;
  for (let m = 1; m < month; m += 1) share += weight(m);
  share += (weight(month) * Number(referenceDate.slice(8, 10))) / daysInMonth(year, month);
  return { share: Math.min(1, share), seasonality: 'history' };
}

/**
 * The year-end forecast of a figure (counts of the year so far, target as a share 0–1 or null)
 * read on `referenceDate` (YYYY-MM-DD, Europe/Paris) for `year`, with the scope's population per
 * month in previous years (`history`, each 12 counts from January; empty when none).
 */
export function forecastYearEnd(input: {
  readonly numerator: number;
  readonly denominator: number;
  readonly target: number | null;
  readonly year: number;
  readonly referenceDate: string;
  readonly history: readonly (readonly number[])[];
  readonly level?: number;
  /**
   * Leases still to come, when a wider forecast has already apportioned them (a group's share of
   * its EPCI's, `forecastReport`); else from the scope's own pace.
   */
  readonly remaining?: number;
}): YearEndForecast {
  const { numerator: n, denominator: d, target, year, referenceDate, history } = input;
  const level = input.level ?? FORECAST_LEVEL;
  const { share, seasonality } = elapsedVolumeShare(year, referenceDate, history);
  const expectedYearEndDenominator =
    share >= 1 || share <= 0 ? d : input.remaining !== undefined ? d + input.remaining : Math.max(d, Math.round(d / share));
  const remaining = expectedYearEndDenominator - d;
  const bp = target === null ? null : Math.round(target * 10_000);
  const neededToTarget = bp === null ? null : Math.max(0, Math.ceil((bp * expectedYearEndDenominator) / 10_000) - n);
  const common = {
    expectedYearEndDenominator,
    remaining,
    neededToTarget,
    elapsedVolumeShare: share,
    seasonality,
    historyYears: history.filter((months) => months.some((count) => count > 0)).length,
  };
  if (expectedYearEndDenominator === 0) {
    return { expectedRate: null, interval: null, probabilityOfTarget: null, ...common };
  }
  const a = n + 0.5;
  const b = d - n + 0.5;
  const law = betaBinomial(remaining, a, b);
  const rateOf = (more: number) => (n + more) / expectedYearEndDenominator;
  const quantile = (p: number) => {
    let cumulative = 0;
    for (let k = 0; k < law.length; k += 1) {
      cumulative += law[k]!;
      if (cumulative >= p - 1e-12) return k;
    }
    return remaining;
  };
  const expectedMore = (remaining * a) / (a + b);
  let probabilityOfTarget: number | null = null;
  if (neededToTarget !== null) {
    probabilityOfTarget = 0;
    for (let k = Math.min(neededToTarget, remaining + 1); k <= remaining; k += 1) probabilityOfTarget += law[k]!;
    probabilityOfTarget = Math.min(1, probabilityOfTarget);
  }
  return {
    expectedRate: rateOf(expectedMore),
    interval: { level, low: rateOf(quantile((1 - level) / 2)), high: rateOf(quantile((1 + level) / 2)) },
    probabilityOfTarget,
    ...common,
  };
}

/** A scope's population per month of a past year, from its figure's cumulative trajectory (12 counts). */
export function monthlyVolumes(figure: Pick<Figure, 'monthly'>): number[] {
  const volumes = new Array<number>(12).fill(0);
  let previous = 0;
  for (const month of figure.monthly) {
    volumes[Number(month.month.slice(5, 7)) - 1] = month.denominator - previous;
    previous = month.denominator;
  }
  return volumes;
}

/** One scope of a forecast report: its figure so far and its year-end forecast. */
export interface ForecastScope {
  readonly scope: ScopeFigure['scope'];
  readonly figure: Figure;
  readonly forecast: YearEndForecast;
}

/** Scope kinds whose groups split an objective's EPCI population, each lease in exactly one group. */
const PARTITIONS: ReadonlySet<string> = new Set(['bailleur', 'reservataire', 'commune', 'bailleur_reservataire']);

/**
 * `total` split into integers proportional to `weights` (largest remainders, ties to the first):
 * they sum to `total` exactly. All-zero weights split nothing.
 */
export function apportion(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, w) => a + w, 0);
  if (sum <= 0) return weights.map(() => 0);
  const exact = weights.map((w) => (total * w) / sum);
  const parts = exact.map(Math.floor);
  let left = total - parts.reduce((a, p) => a + p, 0);
  const order = exact.map((value, index) => ({ index, rest: value - Math.floor(value) })).sort((a, b) => b.rest - a.rest);
  for (const { index } of order) {
    if (left <= 0) break;
    parts[index]! += 1;
    left -= 1;
  }
  return parts;
}

/**
 * The year-end forecast of every objective and scope of a compliance report, the seasonality of
 * each scope learned from the same scope in the reports of previous years (`history`, any order;
 * a scope absent from a year has no history that year).
 *
 * Groups that split the EPCI's population (per bailleur, réservataire, commune, bailleur ×
 * réservataire) forecast the same volume as the EPCI: the EPCI's leases still to come are
 * apportioned among them in proportion to what each one's own pace expects (top-down
 * reconciliation), so their expected year-end denominators add up to the EPCI's exactly. Each
 * group's share of qualifying leases stays its own (see docs/forecast.md).
 */
export function forecastReport(
  report: ComplianceReport,
  history: readonly ComplianceReport[],
  referenceDate: string,
  level: number = FORECAST_LEVEL,
): Array<{ readonly id: string; readonly label: string; readonly target: number | null; readonly scopes: ForecastScope[] }> {
  return report.objectives.map((objective) => {
    const pastOf = (scope: ScopeFigure['scope']) =>
      history.flatMap((previous) => {
        const same = previous.objectives
          .find((o) => o.id === objective.id)
          ?.scopes.find((s) => s.scope.kind === scope.kind && s.scope.id === scope.id);
        return same ? [monthlyVolumes(same.figure)] : [];
      });
    const forecastOf = (scope: ScopeFigure['scope'], figure: Figure, remaining?: number) =>
      forecastYearEnd({
        numerator: figure.numerator,
        denominator: figure.denominator,
        target: figure.target,
        year: report.year,
        referenceDate,
        history: pastOf(scope),
        level,
        ...(remaining === undefined ? {} : { remaining }),
      });
    const own = objective.scopes.map(({ scope, figure }) => forecastOf(scope, figure));
    const epci = objective.scopes.findIndex(({ scope }) => scope.kind === 'epci');
    const remaining = new Map<number, number>();
    if (epci >= 0) {
      for (const kind of PARTITIONS) {
        const members = objective.scopes.flatMap(({ scope }, index) => (scope.kind === kind ? [index] : []));
        if (members.length === 0) continue;
        const weights = members.map((index) => own[index]!.remaining);
        const split = apportion(
          own[epci]!.remaining,
          weights.some((w) => w > 0) ? weights : members.map((index) => objective.scopes[index]!.figure.denominator),
        );
        members.forEach((index, i) => remaining.set(index, split[i]!));
      }
    }
    return {
      id: objective.id,
      label: objective.label,
      target: objective.target,
      scopes: objective.scopes.map(({ scope, figure }, index) => ({
        scope,
        figure,
        forecast: remaining.has(index) ? forecastOf(scope, figure, remaining.get(index)) : own[index]!,
      })),
    };
  });
}
