import { NO_HOUSEHOLD_FLAGS } from '../attribution/attribution.events.js';
import { legalDefaultCia } from '../cia/cia.model.js';
import { evaluateCompliance, type LeaseFact } from '../compliance/compliance.js';
import { deciderSpecification } from '../testing/decider-specification.js';
import {
  alertDecider,
  alertParties,
  alertStreamId,
  DEFAULT_ALERT_SETTINGS,
  observeAlerts,
  observeBilanDue,
  observeConventionAlerts,
  type AlertObservation,
  type AlertSubject,
} from './alerts.js';

const MEL = '200093201';
const flags = NO_HOUSEHOLD_FLAGS;
/** n leases outside QPV, of which q are Q1 (threshold 10 000 €/UC, single adults). */
function leases(n: number, q: number, unknown = 0): LeaseFact[] {
  return Array.from({ length: n }, (_, i) => ({
    leaseDate: '2026-03-10',
    bailleurId: 'lmh',
    reservataireId: null,
    communeInsee: '59350',
    qpvCode: null,
    composition: { personsAged14OrMore: 1, childrenUnder14: 0 },
    yearlyResources: i < unknown ? null : i < unknown + q ? 5_000 : 20_000,
    flags,
  }));
}
const report = (facts: LeaseFact[], referenceDate = '2026-06-30') =>
  evaluateCompliance(
    facts,
    { cia: legalDefaultCia(MEL, 2026), thresholdPerUc: 10_000 },
    { epciSiren: MEL, year: 2026, referenceDate },
  );
const hq1 = (facts: LeaseFact[], rule = 'RATE_BELOW_TARGET', referenceDate?: string) =>
  observeAlerts(report(facts, referenceDate), DEFAULT_ALERT_SETTINGS, true).find(
    (o) => o.subject.rule === rule && o.subject.objective === 'HQ1' && o.subject.scope.kind === 'epci',
  )!;

describe('HQ1 drift (target 25 %, tolerance 2 points, hysteresis 2 points, minimum sample 20)', () => {
  it('stays silent below the minimum sample, however low the rate', () => {
    expect(hq1(leases(19, 0))).toMatchObject({ breached: false, cleared: true });
  });
  it('is breached below 23 % once the sample is reached', () => {
    expect(hq1(leases(20, 4))).toMatchObject({ breached: true, measure: { rate: 0.2, threshold: 0.23 } });
  });
  it('is neither breached nor cleared between 23 % and 25 %: no flapping on one lease', () => {
    expect(hq1(leases(100, 24))).toMatchObject({ breached: false, cleared: false });
  });
  it('clears at 25 % and above', () => {
    expect(hq1(leases(100, 25))).toMatchObject({ breached: false, cleared: true });
  });
  it('flags a target no longer reachable in the current year', () => {
    // 40 leases by the end of June, none Q1: ~80 expected by year end, 20 Q1 needed out of ~40 left: still reachable.
    expect(hq1(leases(40, 0), 'TARGET_UNREACHABLE', '2026-06-30')).toMatchObject({ breached: false });
    // 40 leases by 20 December, none Q1: 10 needed, ~1 lease left to come.
    expect(hq1(leases(40, 0), 'TARGET_UNREACHABLE', '2026-12-20')).toMatchObject({ breached: true });
  });
  it('flags a share of unknown resources above 10 %', () => {
    const unknown = observeAlerts(report(leases(30, 10, 4)), DEFAULT_ALERT_SETTINGS, true).find(
      (o) => o.subject.rule === 'UNKNOWN_Q1_SHARE',
    )!;
    expect(unknown).toMatchObject({ breached: true, measure: { numerator: 4, denominator: 30 } });
  });
});

describe('HQ1 before the year’s quartile threshold is published', () => {
  const unpublished = (facts: LeaseFact[], rule: string, referenceDate = '2026-06-30') =>
    observeAlerts(
      evaluateCompliance(
        facts,
        { cia: legalDefaultCia(MEL, 2026), thresholdPerUc: undefined },
        { epciSiren: MEL, year: 2026, referenceDate },
      ),
      DEFAULT_ALERT_SETTINGS,
      true,
    ).find((o) => o.subject.rule === rule && o.subject.objective === 'HQ1' && o.subject.scope.kind === 'epci')!;

  it('raises no drift while the households awaiting the threshold could lift the rate to its target', () => {
    // 40 leases outside QPV, none classed yet: 0 of 40 now, up to 40 of 40 once the threshold is out.
    expect(unpublished(leases(40, 0), 'RATE_BELOW_TARGET')).toMatchObject({ breached: false, measure: { rate: 0 } });
    expect(unpublished(leases(40, 0), 'TARGET_UNREACHABLE', '2026-12-20')).toMatchObject({ breached: false });
    // And the figure itself does not say « out of reach »: the 40 may all qualify.
    const figure = evaluateCompliance(
      leases(40, 0),
      { cia: legalDefaultCia(MEL, 2026), thresholdPerUc: undefined },
      { epciSiren: MEL, year: 2026, referenceDate: '2026-12-20' },
    ).objectives.find((o) => o.id === 'HQ1')!.scopes[0]!.figure;
    expect(figure).toMatchObject({ awaitingThreshold: 40, status: 'non_evaluable', reachable: true });
  });

  it('still raises it when even all of them qualifying would leave the rate below target − tolerance', () => {
    // 36 of 40 with unknown resources (never in a numerator), 4 awaiting: at best 4 of 40, 10 %.
    expect(unpublished(leases(40, 0, 36), 'RATE_BELOW_TARGET')).toMatchObject({ breached: true });
  });
});

describe('Scopes without a target', () => {
  it('are observed as cleared, so an alert raised on a target since removed (the État’s PRIO) is resolved', () => {
    const prio = observeAlerts(report(leases(30, 0)), DEFAULT_ALERT_SETTINGS, true).filter(
      (o) => o.subject.objective === 'PRIO' && o.subject.scope.kind === 'epci',
    );
    expect(prio.map((o) => [o.subject.rule, o.breached, o.cleared])).toEqual([
      ['RATE_BELOW_TARGET', false, true],
      ['TARGET_UNREACHABLE', false, true],
    ]);
  });
});

describe('Alert stream', () => {
  const { given } = deciderSpecification(alertDecider);
  const observation = (breached: boolean, cleared: boolean): AlertObservation => ({
    subject: { rule: 'RATE_BELOW_TARGET', epciSiren: MEL, year: 2026, objective: 'HQ1', scope: { kind: 'epci', id: MEL } },
    measure: {
      numerator: 4,
      denominator: 20,
      rate: 0.2,
      target: 0.25,
      threshold: 0.23,
      neededToTarget: 2,
      expectedYearEndDenominator: 40,
    },
    breached,
    cleared,
  });
  const now = new Date('2026-06-30T12:00:00Z');
  const evidence = { position: 120, scopePosition: 118 };
  const raised = {
    type: 'AlertRaised' as const,
    data: {
      ...observation(true, false).subject,
      measure: observation(true, false).measure,
      evidence,
      raisedAt: now.toISOString(),
    },
  };

  it('raises once when the condition is breached', () => {
    given([])
      .when({ type: 'ObserveAlert', observation: observation(true, false), evidence, now })
      .then([raised]);
  });
  it('does not raise again while it is open, nor on a replay', () => {
    given([raised])
      .when({ type: 'ObserveAlert', observation: observation(true, false), evidence, now })
      .then([]);
  });
  it('stays open in the hysteresis band', () => {
    given([raised])
      .when({ type: 'ObserveAlert', observation: observation(false, false), evidence, now })
      .then([]);
  });
  it('resolves once when the condition clears', () => {
    const events = alertDecider.decide(
      { type: 'ObserveAlert', observation: observation(false, true), evidence, now },
      { open: true },
    );
    expect(events.map((e) => e.type)).toEqual(['AlertResolved']);
  });
  it('has a stable stream id per rule, objective and scope', () => {
    expect(alertStreamId(observation(true, false).subject)).toBe(`alert:${MEL}:2026:RATE_BELOW_TARGET:HQ1:epci:${MEL}`);
  });
});

describe('Flux alerts', () => {
  const figures = (counted: number, proRata: number, extra: { oriented?: number; netBase?: number; agents?: number } = {}) => ({
    bailleurId: 'lmh',
    reservataireId: 'action-logement',
    conventionId: 'ALS-LMH-59',
    year: 2026,
    netBase: extra.netBase ?? 100,
    target: 40,
    proRataTargetToDate: proRata,
    counted: { total: counted },
    realisedShare: counted / (extra.netBase ?? 100),
    oriented: extra.oriented ?? 0,
    contingent: extra.agents === undefined ? null : { publicAgentLeases: extra.agents },
  });
  const drift = (counted: number, proRata: number) =>
    observeConventionAlerts(figures(counted, proRata), DEFAULT_ALERT_SETTINGS)[0]!;

  it('FLUX_DRIFT: more than 10 % below the pro-rata target, once that target reaches the minimum sample', () => {
    expect(drift(26, 30)).toMatchObject({
      breached: true,
      subject: { rule: 'FLUX_DRIFT', epciSiren: null, scope: { kind: 'convention', id: 'lmh:action-logement:ALS-LMH-59' } },
    });
    expect(drift(27, 30)).toMatchObject({ breached: false, cleared: false });
    expect(drift(29, 30)).toMatchObject({ breached: false, cleared: true });
    expect(drift(0, 19)).toMatchObject({ breached: false, cleared: true });
  });

  it('CONTINGENT_MISUSE: over 30 % of the net flux to the préfet, or public agents over 5 %; resolved under 28 % and 4 %', () => {
    const contingent = (oriented: number, agents: number) =>
      observeConventionAlerts(figures(0, 0, { oriented, agents }), DEFAULT_ALERT_SETTINGS)[1]!;
    expect(contingent(30, 5)).toMatchObject({ breached: false, cleared: false });
    expect(contingent(31, 0)).toMatchObject({ breached: true });
    expect(contingent(10, 6)).toMatchObject({ breached: true });
    expect(contingent(28, 4)).toMatchObject({ breached: false, cleared: true });
    expect(observeConventionAlerts(figures(0, 0), DEFAULT_ALERT_SETTINGS)).toHaveLength(1);
  });

  it('CONTINGENT_MISUSE reads the 30 % both ways: leases signed on the État’s flux over it raise it too', () => {
    const leasesOver = {
      ...figures(0, 0, { oriented: 20, agents: 0 }),
      contingent: { publicAgentLeases: 0, leases: { count: 35 } },
    };
    const observation = observeConventionAlerts(leasesOver, DEFAULT_ALERT_SETTINGS)[1]!;
    expect(observation).toMatchObject({ breached: true, measure: { numerator: 35, denominator: 100 } });
  });

  it('BILAN_DUE: the bilan of N-1 not closed after 28 February of N; resolved by the closure', () => {
    expect(observeBilanDue('lmh', 2025, false, '2026-02-28')).toMatchObject({ breached: false });
    expect(observeBilanDue('lmh', 2025, false, '2026-03-01')).toMatchObject({
      breached: true,
      subject: { rule: 'BILAN_DUE', scope: { kind: 'bailleur', id: 'lmh' } },
    });
    expect(observeBilanDue('lmh', 2025, true, '2026-03-01')).toMatchObject({ breached: false, cleared: true });
    expect(alertStreamId(observeBilanDue('lmh', 2025, true, '2026-03-01').subject)).toBe(
      'alert:~:2025:BILAN_DUE:BILAN:bailleur:lmh',
    );
  });
});

describe('The parties of an alert (who sees it)', () => {
  const subject = (kind: AlertSubject['scope']['kind'], id: string, epciSiren: string | null = MEL) => ({
    epciSiren,
    scope: { kind, id },
  });

  it('names both parties of a bailleur × réservataire scope, and no réservataire for the non-reserved stock', () => {
    expect(alertParties(subject('bailleur_reservataire', 'lmh:action-logement'))).toEqual({
      epciSiren: MEL,
      departements: [],
      bailleurs: ['lmh'],
      reservataires: ['action-logement'],
    });
    expect(alertParties(subject('bailleur_reservataire', 'lmh:non_reserve'))).toMatchObject({
      bailleurs: ['lmh'],
      reservataires: [],
    });
  });

  it('names a convention’s bailleur, réservataire and département (recorded on the alert, or given from its signature)', () => {
    const flux = observeConventionAlerts({ ...figures59(), perimeter: { departement: '59' } }, DEFAULT_ALERT_SETTINGS)[0]!
      .subject;
    expect(alertParties(flux)).toEqual({
      epciSiren: null,
      departements: ['59'],
      bailleurs: ['lmh'],
      reservataires: ['action-logement'],
    });
    expect(alertParties(subject('convention', 'lmh:etat-59:ETAT-LMH-59', null), '59')).toMatchObject({
      departements: ['59'],
      reservataires: ['etat-59'],
    });
  });

  it('names the EPCI alone for its own, sector and commune scopes; the bailleur or réservataire of theirs', () => {
    expect(alertParties(subject('epci', MEL))).toEqual({ epciSiren: MEL, departements: [], bailleurs: [], reservataires: [] });
    expect(alertParties(subject('bailleur', 'vilogia'))).toMatchObject({ bailleurs: ['vilogia'], reservataires: [] });
    expect(alertParties(subject('reservataire', 'als'))).toMatchObject({ bailleurs: [], reservataires: ['als'] });
    expect(alertParties(observeBilanDue('lmh', 2025, false, '2026-03-01').subject)).toEqual({
      epciSiren: null,
      departements: [],
      bailleurs: ['lmh'],
      reservataires: [],
    });
  });
});

function figures59() {
  return {
    bailleurId: 'lmh',
    reservataireId: 'action-logement',
    conventionId: 'ALS-LMH-59',
    year: 2026,
    netBase: 100,
    target: 40,
    proRataTargetToDate: 30,
    counted: { total: 26 },
    realisedShare: 0.26,
    oriented: 0,
    contingent: null,
  };
}
