import type { Decider } from '../decider.js';
import { NON_RESERVE, type ComplianceReport, type ScopeKind } from '../compliance/compliance.js';
import type { AlertSettings } from './alert-settings.js';
import { compositeKey } from '../identity/composite-key.js';
import { type ConventionRef, conventionKey } from '../flux/reservation.js';
import { bilanDueDate } from '../flux/bilan.js';

export * from './alert-settings.js';

/**
 * Drift alerts on compliance figures. Defaults (DOMAIN.md), configurable per CIA:
 * - RATE_BELOW_TARGET: once the denominator reaches `minimumSample`, the rate is below
 *   target − `tolerance`; resolved when it is back at or above target − tolerance + `hysteresis`
 *   (so one lease in, one lease out does not flap);
 * - TARGET_UNREACHABLE: in the current year, more qualifying leases are needed than the rest
 *   of the year is expected to bring; resolved when it is reachable with a margin of `hysteresis`
 *   of the year-end volume;
 * both counting the leases awaiting the year's quartile threshold as if they qualified (they
 *   may: an alert says a figure is behind only when it is, whatever the threshold turns out);
 * - UNKNOWN_Q1_SHARE: the share of leases with unknown resources exceeds `unknownQ1MaxShare`;
 *   resolved below that share − `hysteresis`.
 */
export const ALERT_RULES = [
  'RATE_BELOW_TARGET',
  'TARGET_UNREACHABLE',
  'UNKNOWN_Q1_SHARE',
  'FLUX_DRIFT',
  'CONTINGENT_MISUSE',
  'BILAN_DUE',
] as const;
export type AlertRule = (typeof ALERT_RULES)[number];

export interface AlertSubject {
  readonly rule: AlertRule;
  /** The EPCI of a compliance alert; null for a flux alert (a convention's or a bailleur's). */
  readonly epciSiren: string | null;
  readonly year: number;
  /** HQ1, QNQ1, PRIO, ANRU, TERR:… ; DATA for data quality; FLUX, CONTINGENT, BILAN for the flux. */
  readonly objective: string;
  readonly scope: { readonly kind: ScopeKind | 'convention'; readonly id: string };
  /** A convention alert's département (its perimeter's), so that the État's services there see it. */
  readonly departement?: string;
}

/**
 * The organisations an alert is about, read from its subject (and, for a convention recorded before
 * its alerts named their département, the département its signature recorded): each of them sees it.
 * A bailleur × réservataire scope names both parties (`non_reserve`, the bailleur's own stock, names
 * no réservataire); a convention names its bailleur, its réservataire and its département.
 */
export interface AlertParties {
  readonly epciSiren: string | null;
  readonly departements: readonly string[];
  readonly bailleurs: readonly string[];
  readonly reservataires: readonly string[];
}

export function alertParties(
  subject: Pick<AlertSubject, 'epciSiren' | 'scope' | 'departement'>,
  conventionDepartement: string | null = null,
): AlertParties {
  const { kind, id } = subject.scope;
  // Organisation ids hold no `:` (ORGANISATION_ID), so the scope id's parts split back as written.
  const [first = '', second = ''] = id.split(':');
  const bailleurs = kind === 'bailleur' ? [id] : kind === 'bailleur_reservataire' || kind === 'convention' ? [first] : [];
  const reservataires =
    kind === 'reservataire'
      ? [id]
      : (kind === 'bailleur_reservataire' || kind === 'convention') && second !== NON_RESERVE
        ? [second]
        : [];
  const departement = subject.departement ?? (kind === 'convention' ? conventionDepartement : null);
  return { epciSiren: subject.epciSiren, departements: departement ? [departement] : [], bailleurs, reservataires };
}

export interface AlertMeasure {
  readonly numerator: number;
  readonly denominator: number;
  readonly rate: number | null;
  readonly target: number | null;
  /** The value the rate was compared with (target − tolerance, or the maximum share). */
  readonly threshold: number;
  readonly neededToTarget: number | null;
  readonly expectedYearEndDenominator: number | null;
}

/** One condition as observed on the figures: whether it is breached (raise) or cleared (resolve). */
export interface AlertObservation {
  readonly subject: AlertSubject;
  readonly measure: AlertMeasure;
  readonly breached: boolean;
  readonly cleared: boolean;
}

export function alertStreamId(subject: AlertSubject): string {
  const { epciSiren, year, rule, objective, scope } = subject;
  return compositeKey('alert', epciSiren, year, rule, objective, scope.kind, scope.id);
}

/** Observes every alert condition on a compliance report (evaluated with groupBy, so its scopes are covered). */
export function observeAlerts(report: ComplianceReport, settings: AlertSettings, currentYear: boolean): AlertObservation[] {
  const observations: AlertObservation[] = [];
  const subject = (rule: AlertRule, objective: string, scope: AlertSubject['scope']): AlertSubject => ({
    rule,
    epciSiren: report.epciSiren,
    year: report.year,
    objective,
    scope,
  });
  for (const objective of report.objectives) {
    for (const { scope, figure } of objective.scopes) {
      const subjectScope = { kind: scope.kind, id: scope.id };
      if (figure.target === null) {
        // No target (any more: the CIA removed it, or it is information): an alert raised before clears.
        const measure: AlertMeasure = {
          numerator: figure.numerator,
          denominator: figure.denominator,
          rate: figure.rate,
          target: null,
          threshold: 0,
          neededToTarget: null,
          expectedYearEndDenominator: figure.expectedYearEndDenominator,
        };
        for (const rule of ['RATE_BELOW_TARGET', 'TARGET_UNREACHABLE'] as const)
          observations.push({ subject: subject(rule, objective.id, subjectScope), measure, breached: false, cleared: true });
        continue;
      }
      const threshold = figure.target - settings.tolerance;
      const measure: AlertMeasure = {
        numerator: figure.numerator,
        denominator: figure.denominator,
        rate: figure.rate,
        target: figure.target,
        threshold,
        neededToTarget: figure.neededToTarget,
        expectedYearEndDenominator: figure.expectedYearEndDenominator,
      };
      const sampled = figure.denominator >= settings.minimumSample;
      // Judged on the best the figure can still be: leases awaiting the year's threshold may yet
      // qualify, and a figure is said below its target only when they could not lift it there.
      const awaiting = figure.awaitingThreshold;
      const rate = figure.denominator ? (figure.numerator + awaiting) / figure.denominator : 0;
      observations.push({
        subject: subject('RATE_BELOW_TARGET', objective.id, subjectScope),
        measure,
        breached: sampled && rate < threshold,
        cleared: !sampled || rate >= threshold + settings.hysteresis,
      });
      if (currentYear && figure.neededToTarget !== null && figure.reachable !== null) {
        const remaining = figure.expectedYearEndDenominator - figure.denominator;
        const margin = Math.ceil(settings.hysteresis * figure.expectedYearEndDenominator);
        observations.push({
          subject: subject('TARGET_UNREACHABLE', objective.id, subjectScope),
          measure,
          breached: sampled && !figure.reachable,
          cleared: !sampled || figure.neededToTarget - awaiting + margin <= remaining,
        });
      }
    }
  }
  const { leases, unknownQ1 } = report.dataQuality;
  const share = leases ? unknownQ1 / leases : 0;
  observations.push({
    subject: subject('UNKNOWN_Q1_SHARE', 'DATA', { kind: 'epci', id: report.epciSiren }),
    measure: {
      numerator: unknownQ1,
      denominator: leases,
      rate: leases ? share : null,
      target: null,
      threshold: settings.unknownQ1MaxShare,
      neededToTarget: null,
      expectedYearEndDenominator: null,
    },
    breached: leases >= settings.minimumSample && share > settings.unknownQ1MaxShare,
    cleared: leases < settings.minimumSample || share <= settings.unknownQ1MaxShare - settings.hysteresis,
  });
  return observations;
}

export interface AlertRaised {
  readonly type: 'AlertRaised';
  readonly data: AlertSubject & {
    readonly measure: AlertMeasure;
    /** The global position the figures were evaluated at: the facts up to it caused the alert. */
    readonly evidence: { readonly position: number; readonly scopePosition: number };
    readonly raisedAt: string;
  };
}

export interface AlertResolved {
  readonly type: 'AlertResolved';
  readonly data: AlertSubject & {
    readonly measure: AlertMeasure;
    readonly evidence: { readonly position: number; readonly scopePosition: number };
    readonly resolvedAt: string;
  };
}

export type AlertEvent = AlertRaised | AlertResolved;

export interface ObserveAlert {
  readonly type: 'ObserveAlert';
  readonly observation: AlertObservation;
  readonly evidence: { readonly position: number; readonly scopePosition: number };
  readonly now: Date;
}

export type AlertState = { readonly open: boolean };

/** An alert is raised once while its cause lasts, and resolved once when it clears: replaying observations changes nothing. */
export const alertDecider: Decider<ObserveAlert, AlertEvent, AlertState> = {
  decide({ observation, evidence, now }, state) {
    const { subject, measure } = observation;
    if (!state.open && observation.breached) {
      return [{ type: 'AlertRaised', data: { ...subject, measure, evidence, raisedAt: now.toISOString() } }];
    }
    if (state.open && observation.cleared) {
      return [{ type: 'AlertResolved', data: { ...subject, measure, evidence, resolvedAt: now.toISOString() } }];
    }
    return [];
  },
  evolve: (state, event) => ({ open: event.type === 'AlertRaised' ? true : event.type === 'AlertResolved' ? false : state.open }),
  initialState: { open: false },
};

/** Flux tolerance: a convention drifts when what it counted falls 10 % (and at least one flat) below its pro-rata target. */
export const FLUX_DRIFT_TOLERANCE = 0.1;

/**
 * Flux alerts on a convention's figures for the current year:
 * - FLUX_DRIFT: counted below the pro-rata target to date by more than the tolerance (once the
 *   pro-rata target reaches the minimum sample); resolved once back within half the tolerance;
 * - CONTINGENT_MISUSE (État conventions): more than 30 % of the net flux oriented to the préfet,
 *   or public agents above 5 %; resolved below 28 % and 4 %.
 */
export function observeConventionAlerts(
  figures: ConventionRef & {
    readonly year: number;
    readonly netBase: number;
    readonly target: number;
    readonly proRataTargetToDate: number;
    readonly counted: { readonly total: number };
    readonly realisedShare: number | null;
    readonly oriented: number;
    /** The convention's territory: its département names the État's services that oversee it. */
    readonly perimeter?: { readonly departement: string };
    /** `leases`: leases signed on the État's flux (absent on figures of the first shape: orientations only). */
    readonly contingent: { readonly publicAgentLeases: number; readonly leases?: { readonly count: number } } | null;
  },
  settings: AlertSettings,
): AlertObservation[] {
  const scope = { kind: 'convention' as const, id: conventionKey(figures) };
  const subject = (rule: AlertRule, objective: string): AlertSubject => ({
    rule,
    epciSiren: null,
    year: figures.year,
    objective,
    scope,
    ...(figures.perimeter ? { departement: figures.perimeter.departement } : {}),
  });
  const gap = figures.proRataTargetToDate - figures.counted.total;
  const allowed = Math.max(1, FLUX_DRIFT_TOLERANCE * figures.proRataTargetToDate);
  const sampled = figures.proRataTargetToDate >= settings.minimumSample;
  const observations: AlertObservation[] = [
    {
      subject: subject('FLUX_DRIFT', 'FLUX'),
      measure: {
        numerator: figures.counted.total,
        denominator: figures.netBase,
        rate: figures.realisedShare,
        target: figures.target,
        threshold: figures.proRataTargetToDate - allowed,
        neededToTarget: Math.max(0, Math.ceil(figures.target - figures.counted.total)),
        expectedYearEndDenominator: null,
      },
      breached: sampled && gap > allowed,
      cleared: !sampled || gap <= allowed / 2,
    },
  ];
  if (figures.contingent) {
    const { netBase } = figures;
    // Both readings of the 30 %: flats oriented to the État, and leases signed on its flux.
    const oriented = Math.max(figures.oriented, figures.contingent.leases?.count ?? 0);
    const agents = figures.contingent.publicAgentLeases;
    observations.push({
      subject: subject('CONTINGENT_MISUSE', 'CONTINGENT'),
      measure: {
        numerator: oriented,
        denominator: netBase,
        rate: netBase ? oriented / netBase : null,
        target: 0.3,
        threshold: 0.3,
        neededToTarget: null,
        expectedYearEndDenominator: null,
      },
      breached: netBase > 0 && (oriented * 100 > 30 * netBase || agents * 100 > 5 * netBase),
      cleared: netBase === 0 || (oriented * 100 <= 28 * netBase && agents * 100 <= 4 * netBase),
    });
  }
  return observations;
}

/** BILAN_DUE: the bilan of year N-1 is not closed after 28 February of year N; resolved by the closure. */
export function observeBilanDue(bailleurId: string, year: number, closed: boolean, today: string): AlertObservation {
  const due = bilanDueDate(year);
  return {
    subject: { rule: 'BILAN_DUE', epciSiren: null, year, objective: 'BILAN', scope: { kind: 'bailleur', id: bailleurId } },
    measure: {
      numerator: closed ? 1 : 0,
      denominator: 1,
      rate: null,
      target: null,
      threshold: 0,
      neededToTarget: null,
      expectedYearEndDenominator: null,
    },
    breached: !closed && today > due,
    cleared: closed,
  };
}
