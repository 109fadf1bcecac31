import fc from 'fast-check';
import type { ComplianceReport, ConventionFlux, Figure } from '@vigie/domain';
import {
  isSecret,
  maskFigure,
  maskFigurePair,
  shareComplianceReport,
  shareConventionFlux,
  shareConventionFluxPair,
  sharedScopeVisibility,
} from './secrecy.js';

const figureArb = fc
  .record({
    denominator: fc.integer({ min: 0, max: 40 }),
    share: fc.double({ min: 0, max: 1, noNaN: true }),
    unknownQ1: fc.integer({ min: 0, max: 12 }),
    pendingQ1: fc.integer({ min: 0, max: 12 }),
    awaitingThreshold: fc.integer({ min: 0, max: 12 }),
    internalMutations: fc.integer({ min: 0, max: 12 }),
    target: fc.constantFrom(0.25, 0.5),
    months: fc.array(fc.tuple(fc.integer({ min: 0, max: 40 }), fc.double({ min: 0, max: 1, noNaN: true })), { maxLength: 12 }),
  })
  .map(({ denominator, share, unknownQ1, pendingQ1, awaitingThreshold, internalMutations, target, months }): Figure => {
    const numerator = Math.floor(denominator * share);
    const rate = denominator ? numerator / denominator : null;
    return {
      numerator,
      denominator,
      rate,
      target,
      gap: rate === null ? null : rate - target,
      status: rate === null ? 'non_evaluable' : rate >= target ? 'atteint' : 'en_retard',
      unknownQ1,
      pendingQ1,
      awaitingThreshold,
      internalMutations,
      expectedYearEndDenominator: denominator * 2,
      neededToTarget: Math.max(0, Math.ceil(target * denominator * 2) - numerator),
      reachable: true,
      monthly: months.map(([d, s], i) => {
        const n = Math.floor(d * s);
        return { month: `2026-${String(i + 1).padStart(2, '0')}`, numerator: n, denominator: d, rate: d ? n / d : null };
      }),
    };
  });

/** A figure of `numerator` of `denominator` leases against a 25 % target, on track, without months. */
const figure = (numerator: number, denominator: number): Figure => ({
  numerator,
  denominator,
  rate: numerator / denominator,
  target: 0.25,
  gap: numerator / denominator - 0.25,
  status: 'atteint',
  unknownQ1: 0,
  pendingQ1: 0,
  awaitingThreshold: 0,
  internalMutations: 0,
  expectedYearEndDenominator: denominator,
  neededToTarget: 0,
  reachable: true,
  monthly: [],
});

/** A convention's flux of the year: 12 flats of net base, a 25 % share (3 due), as `overrides` say it stands. */
const conventionFlux = (overrides: Partial<ConventionFlux>): ConventionFlux => ({
  bailleurId: 'lmh',
  reservataireId: 'ville',
  conventionId: 'C',
  perimeter: { departement: '59' },
  year: 2026,
  netBase: 12,
  excluded: {} as never,
  oriented: 0,
  returned: 0,
  counted: { bailSigne: 0, interBailleurMobility: 0, postCalRefusals: 0, aPosterioriValidation: 0, total: 0 },
  target: 3,
  conventionShare: 0.25,
  realisedShare: 0,
  countedBeyondNetBase: 0,
  proRataTargetToDate: 2.7,
  gapToProRata: -2.7,
  contingent: null,
  ...overrides,
});

describe('Statistical secrecy', () => {
  it('treats 1 to threshold − 1 as secret, never 0 nor the threshold', () => {
    expect([0, 1, 4, 5, 6].map((n) => isSecret(n, 5))).toEqual([false, true, true, false, false]);
  });

  it('given 3 leases of which 1 qualifies, when shared, then counts, rate, gap and status are hidden', () => {
    const shared = maskFigure(
      {
        numerator: 1,
        denominator: 3,
        rate: 1 / 3,
        target: 0.25,
        gap: 1 / 3 - 0.25,
        status: 'atteint',
        unknownQ1: 0,
        pendingQ1: 0,
        awaitingThreshold: 0,
        internalMutations: 0,
        expectedYearEndDenominator: 6,
        neededToTarget: 1,
        reachable: true,
        monthly: [],
      },
      5,
    );
    expect(shared).toMatchObject({
      numerator: null,
      denominator: null,
      rate: null,
      gap: null,
      status: 'non_evaluable',
      target: 0.25,
      unknownQ1: 0,
    });
    expect(shared.masked).toEqual(expect.arrayContaining(['numerator', 'denominator', 'rate', 'gap', 'status']));
  });

  it('given 40 leases of which 38 qualify, when shared, then the numerator is hidden too (2 households outside would show)', () => {
    const figure = maskFigure(
      {
        numerator: 38,
        denominator: 40,
        rate: 0.95,
        target: 0.5,
        gap: 0.45,
        status: 'atteint',
        unknownQ1: 7,
        pendingQ1: 0,
        awaitingThreshold: 0,
        internalMutations: 2,
        expectedYearEndDenominator: 80,
        neededToTarget: 2,
        reachable: true,
        monthly: [],
      },
      5,
    );
    expect(figure).toMatchObject({
      numerator: null,
      denominator: 40,
      rate: null,
      unknownQ1: 7,
      pendingQ1: 0,
      internalMutations: null,
    });
  });

  it('never shows a secret count, nor a rate whose numerator is hidden, whatever the figures (property)', () => {
    fc.assert(
      fc.property(figureArb, fc.integer({ min: 2, max: 11 }), (figure, threshold) => {
        const shared = maskFigure(figure, threshold);
        for (const name of [
          'numerator',
          'denominator',
          'unknownQ1',
          'pendingQ1',
          'awaitingThreshold',
          'internalMutations',
        ] as const) {
          expect(isSecret(shared[name], threshold)).toBe(false);
        }
        if (shared.numerator !== null) {
          expect(shared.denominator).not.toBeNull();
          expect(isSecret(shared.denominator! - shared.numerator, threshold)).toBe(false);
        }
        if (shared.numerator === null) expect([shared.rate, shared.gap, shared.neededToTarget]).toEqual([null, null, null]);
        for (const month of shared.monthly) {
          expect(isSecret(month.numerator, threshold) || isSecret(month.denominator, threshold)).toBe(false);
          if (month.numerator !== null) expect(isSecret(month.denominator! - month.numerator, threshold)).toBe(false);
          else expect(month.rate).toBeNull();
        }
        // What is not secret is shown as it is.
        if (!isSecret(figure.denominator, threshold)) expect(shared.denominator).toBe(figure.denominator);
      }),
      { numRuns: 500 },
    );
  });

  it('shares a report: own scope whole, other scopes of its kind dropped, the rest masked', () => {
    const report: ComplianceReport = {
      epciSiren: '200093201',
      year: 2026,
      groupBy: 'bailleur',
      thresholdPerUc: 10_000,
      objectives: [
        {
          id: 'HQ1',
          label: 'Q1 hors QPV',
          target: 0.25,
          scopes: [
            { scope: { kind: 'epci', id: '200093201' }, figure: figure(3, 12) },
            { scope: { kind: 'bailleur', id: 'lmh' }, figure: figure(1, 2) },
            { scope: { kind: 'bailleur', id: 'vilogia' }, figure: figure(2, 10) },
          ],
        },
      ],
      dataQuality: { leases: 12, unknownQ1: 1, pendingQ1: 0, internalMutations: 0 },
    } as unknown as ComplianceReport;
    const shared = shareComplianceReport(report, 5, (scope) =>
      scope.kind !== 'bailleur' ? 'masked' : scope.id === 'lmh' ? 'full' : 'hidden',
    );
    expect(shared.objectives[0]!.scopes.map(({ scope, figure: f }) => [scope.id, f.numerator, f.denominator])).toEqual([
      ['200093201', null, 12],
      ['lmh', 1, 2],
    ]);
    expect(shared.dataQuality).toEqual({ leases: 12, unknownQ1: null, pendingQ1: 0, internalMutations: 0 });
    expect(shared.statisticalSecrecy.threshold).toBe(5);
  });
});

describe('Statistical secrecy of a figure before and after one more lease (a simulation)', () => {
  it('given 0 of 4 before and 0 of 5 after, when shared, then the 5 after is masked as the 4 before is', () => {
    // Alone, the after would be shown (0 of 5), and with it the masked before (0 of 4).
    expect(maskFigure(figure(0, 5), 5).masked).toEqual([]);
    const [before, after] = maskFigurePair(figure(0, 4), figure(0, 5), 5);
    expect(before).toMatchObject({ numerator: null, denominator: null, rate: null, status: 'non_evaluable' });
    expect(after).toMatchObject({ numerator: null, denominator: null, rate: null, status: 'non_evaluable' });
    expect(after.masked).toEqual(before.masked);
  });

  it('leaves a pair shown whole when neither side is secret', () => {
    const [before, after] = maskFigurePair(figure(10, 20), figure(11, 21), 5);
    expect([before.masked, after.masked, after.numerator, before.denominator]).toEqual([[], [], 11, 20]);
  });

  it('hides a convention’s count on both sides when it is secret on either', () => {
    const flux = (bailSigne: number) =>
      conventionFlux({
        oriented: 8,
        counted: { bailSigne, interBailleurMobility: 0, postCalRefusals: 0, aPosterioriValidation: 0, total: bailSigne },
        realisedShare: bailSigne / 12,
        gapToProRata: bailSigne - 2.7,
      });
    const [before, after] = shareConventionFluxPair(flux(4), flux(5), 5);
    expect([before.counted.bailSigne, after.counted.bailSigne, after.counted.total, after.realisedShare]).toEqual([
      null,
      null,
      null,
      null,
    ]);
  });
});

describe('Statistical secrecy of a convention’s flux', () => {
  it('given 3 households counted on a convention, when shared with the État, then the counts and the realised share are hidden, the flats are not', () => {
    const shared = shareConventionFlux(
      conventionFlux({
        oriented: 4,
        returned: 1,
        counted: { bailSigne: 2, interBailleurMobility: 0, postCalRefusals: 0.5, aPosterioriValidation: 0, total: 2.5 },
        realisedShare: 2.5 / 12,
        gapToProRata: -0.2,
      }),
      5,
    );
    expect(shared).toMatchObject({
      netBase: 12,
      oriented: 4,
      counted: { bailSigne: null, interBailleurMobility: 0, postCalRefusals: null, total: null },
      realisedShare: null,
      gapToProRata: null,
      target: 3,
    });
  });
});

describe('Which compliance scopes a bailleur or a réservataire sees', () => {
  const pair = (bailleurId: string, reservataireId: string) => ({
    kind: 'bailleur_reservataire' as const,
    id: `${bailleurId}:${reservataireId}`,
    parties: { bailleurId, reservataireId },
  });
  it('gives each party its own bailleur × réservataire scopes whole, and nobody else’s', () => {
    const lmh = sharedScopeVisibility('bailleur', 'lmh');
    const als = sharedScopeVisibility('reservataire', 'action-logement');
    expect([lmh(pair('lmh', 'non_reserve')), lmh(pair('lmh', 'action-logement')), lmh(pair('vilogia', 'non_reserve'))]).toEqual([
      'full',
      'full',
      'hidden',
    ]);
    expect([
      als(pair('lmh', 'action-logement')),
      als(pair('vilogia', 'action-logement')),
      als(pair('lmh', 'non_reserve')),
    ]).toEqual(['full', 'full', 'hidden']);
  });
  it('keeps the rule for the other scopes: own whole, same kind hidden, other kinds masked', () => {
    const lmh = sharedScopeVisibility('bailleur', 'lmh');
    expect([
      lmh({ kind: 'bailleur', id: 'lmh' }),
      lmh({ kind: 'bailleur', id: 'vilogia' }),
      lmh({ kind: 'reservataire', id: 'action-logement' }),
      lmh({ kind: 'epci', id: '200093201' }),
    ]).toEqual(['full', 'hidden', 'masked', 'masked']);
  });
});
