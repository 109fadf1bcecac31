import fc from 'fast-check';
import { addDays, daysInMonth, monthOf } from '../calendar/paris-calendar.js';
import { arbitraryFactUntil } from '../../../../test/fixtures/compliance-arbitraries.js';
import { legalDefaultCia } from '../cia/cia.model.js';
import { evaluateCompliance } from './compliance.js';
import {
  apportion,
  betaBinomial,
  elapsedVolumeShare,
  FORECAST_LEVEL,
  forecastReport,
  forecastYearEnd,
  monthlyVolumes,
} from './forecast.js';

/** A small seeded generator (mulberry32), so the back-test is the same on every run. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const poisson = (rnd: () => number, mean: number) => {
  // Knuth's method by chunks of 30 (exp(-30) stays representable).
  let count = 0;
  let left = mean;
  while (left > 0) {
    const step = Math.min(left, 30);
    left -= step;
    const limit = Math.exp(-step);
    let product = rnd();
    while (product > limit) {
      count += 1;
      product *= rnd();
    }
  }
  return count;
};
const binomial = (rnd: () => number, n: number, p: number) => {
  let k = 0;
  for (let i = 0; i < n; i += 1) if (rnd() < p) k += 1;
  return k;
};

/** A year of attributions: a low in summer, a peak from September (shares of the year). */
const SEASON = [0.06, 0.07, 0.08, 0.08, 0.08, 0.08, 0.06, 0.03, 0.14, 0.12, 0.11, 0.09];

interface Scenario {
  readonly seed: number;
  readonly yearlyVolume: number;
  readonly rates: readonly [number, number, number];
  readonly referenceDay: number;
}

const scenario: fc.Arbitrary<Scenario> = fc.record({
  seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
  yearlyVolume: fc.integer({ min: 40, max: 800 }),
  rates: fc.tuple(
    fc.double({ min: 0.05, max: 0.8, noNaN: true }),
    fc.double({ min: 0.05, max: 0.8, noNaN: true }),
    fc.double({ min: 0.05, max: 0.8, noNaN: true }),
  ),
  referenceDay: fc.integer({ min: 45, max: 335 }),
});

/** One scope's synthetic history (2024, 2025) and year 2026, cut on the reference day: forecast vs realised. */
function backTest(s: Scenario, withHistory: boolean) {
  const rnd = random(s.seed);
  const year = (y: number, rate: number) =>
    SEASON.map((share, m) => {
      const volume = poisson(rnd, s.yearlyVolume * share);
      return { month: m + 1, volume, qualifying: binomial(rnd, volume, rate), days: daysInMonth(y, m + 1) };
    });
  const history = [year(2024, s.rates[0]), year(2025, s.rates[1])].map((months) => months.map((m) => m.volume));
  const current = year(2026, s.rates[2]);
  const referenceDate = addDays('2026-01-01', s.referenceDay - 1);
  const refMonth = monthOf(referenceDate);
  const refDay = Number(referenceDate.slice(8, 10));
  let numerator = 0;
  let denominator = 0;
  for (const m of current) {
    if (m.month < refMonth) {
      numerator += m.qualifying;
      denominator += m.volume;
    } else if (m.month === refMonth) {
      // Leases of the reference month spread over its days: those signed by the reference day.
      for (let i = 0; i < m.volume; i += 1) {
        if (rnd() < refDay / m.days) {
          denominator += 1;
          if (i < m.qualifying) numerator += 1;
        }
      }
    }
  }
  const realisedN = current.reduce((sum, m) => sum + m.qualifying, 0);
  const realisedD = current.reduce((sum, m) => sum + m.volume, 0);
  const forecast = forecastYearEnd({
    numerator,
    denominator,
    target: 0.25,
    year: 2026,
    referenceDate,
    history: withHistory ? history : [],
  });
  return { forecast, realised: realisedD ? realisedN / realisedD : null, realisedD };
}

const coverage = (withHistory: boolean) => {
  const scenarios = fc.sample(scenario, { seed: 20_261_130, numRuns: 1_000 });
  let covered = 0;
  let counted = 0;
  let width = 0;
  let volumeError = 0;
  for (const s of scenarios) {
    const { forecast, realised, realisedD } = backTest(s, withHistory);
    if (realised === null || forecast.interval === null) continue;
    counted += 1;
    volumeError += Math.abs(forecast.expectedYearEndDenominator - realisedD) / realisedD;
    width += forecast.interval.high - forecast.interval.low;
    if (forecast.interval.low - 1e-12 <= realised && realised <= forecast.interval.high + 1e-12) covered += 1;
  }
  return { coverage: covered / counted, counted, meanWidth: width / counted, volumeError: volumeError / counted };
};

describe('Year-end forecast', () => {
  it('learns the share of the year signed by a day from previous years’ months, else from the calendar', () => {
    expect(elapsedVolumeShare(2026, '2026-07-02', [])).toEqual({ share: 183 / 365, seasonality: 'uniform' });
    // Everything signed in the first half in the past: by 30 June nearly the whole year (the prior keeps a little).
    const firstHalf = [100, 100, 100, 100, 100, 100, 0, 0, 0, 0, 0, 0];
    const { share, seasonality } = elapsedVolumeShare(2026, '2026-06-30', [firstHalf]);
    expect(seasonality).toBe('history');
    expect(share).toBeGreaterThan(0.98);
    expect(elapsedVolumeShare(2025, '2026-03-01', [firstHalf]).share).toBe(1);
  });

  it('is exact for a past year: the realised rate, a point interval, certainty about the target', () => {
    const forecast = forecastYearEnd({
      numerator: 30,
      denominator: 100,
      target: 0.25,
      year: 2025,
      referenceDate: '2026-02-01',
      history: [],
    });
    expect(forecast).toMatchObject({
      expectedRate: 0.3,
      interval: { level: 0.9, low: 0.3, high: 0.3 },
      probabilityOfTarget: 1,
      remaining: 0,
      neededToTarget: 0,
    });
  });

  it('at the current pace, expects the rate so far and the volume of the figure’s extrapolation', () => {
    // 2 July 2026: day 183 of 365; 100 leases so far → 199.5 → 199 expected (as Figure.expectedYearEndDenominator).
    const forecast = forecastYearEnd({
      numerator: 20,
      denominator: 100,
      target: 0.25,
      year: 2026,
      referenceDate: '2026-07-02',
      history: [],
    });
    expect(forecast.expectedYearEndDenominator).toBe(199);
    expect(forecast.expectedRate).toBeCloseTo((20 + (99 * 20.5) / 101) / 199, 12);
    expect(forecast.neededToTarget).toBe(Math.ceil(0.25 * 199) - 20);
    expect(forecast.interval!.low).toBeLessThan(0.2);
    expect(forecast.interval!.high).toBeGreaterThan(0.2);
    // Behind the target at 20 % with half the year to go: possible, not likely.
    expect(forecast.probabilityOfTarget).toBeGreaterThan(0.01);
    expect(forecast.probabilityOfTarget).toBeLessThan(0.2);
  });

  it('has a beta-binomial law that sums to 1 with the right mean (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 3_000 }),
        fc.double({ min: 0.5, max: 500, noNaN: true }),
        fc.double({ min: 0.5, max: 500, noNaN: true }),
        (n, a, b) => {
          const law = betaBinomial(n, a, b);
          expect(law.reduce((sum, p) => sum + p, 0)).toBeCloseTo(1, 9);
          expect(law.reduce((sum, p, k) => sum + p * k, 0)).toBeCloseTo((n * a) / (a + b), 6);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('reads a past year’s monthly volumes back from its cumulative trajectory', () => {
    const monthly = [3, 5, 5, 9].map((denominator, i) => ({ month: `2025-0${i + 1}`, numerator: 0, denominator, rate: null }));
    expect(monthlyVolumes({ monthly })).toEqual([3, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it(`covers the realised year-end rate at its stated level (${FORECAST_LEVEL * 100} %) in a back-test over a synthetic history`, () => {
    const seasonal = coverage(true);
    const uniform = coverage(false);
    // The coverage measured, for the report (1 000 synthetic scopes: 2 years of history, cut on a random day of 2026).
    console.log(
      `Forecast back-test: ${seasonal.counted} scopes, interval ${FORECAST_LEVEL * 100} %: coverage ${(seasonal.coverage * 100).toFixed(1)} % ` +
        `with seasonality from history (mean width ${(seasonal.meanWidth * 100).toFixed(1)} points), ` +
        `${(uniform.coverage * 100).toFixed(1)} % with the calendar pace alone (width ${(uniform.meanWidth * 100).toFixed(1)} points); ` +
        `year-end volume off by ${(seasonal.volumeError * 100).toFixed(1)} % with history, ${(uniform.volumeError * 100).toFixed(1)} % without`,
    );
    expect(seasonal.volumeError).toBeLessThan(uniform.volumeError);
    expect(seasonal.coverage).toBeGreaterThanOrEqual(FORECAST_LEVEL - 0.03);
    expect(seasonal.coverage).toBeLessThanOrEqual(FORECAST_LEVEL + 0.06);
  });

  it('splits a whole into integers in proportion, adding up exactly (largest remainders)', () => {
    expect(apportion(10, [1, 1, 1])).toEqual([4, 3, 3]);
    expect(apportion(7, [0, 2, 5])).toEqual([0, 2, 5]);
    expect(apportion(5, [0, 0])).toEqual([0, 0]);
    fc.assert(
      fc.property(fc.nat(500), fc.array(fc.nat(100), { minLength: 1, maxLength: 12 }), (total, weights) => {
        const parts = apportion(total, weights);
        expect(parts.reduce((a, b) => a + b, 0)).toBe(weights.some((w) => w > 0) ? total : 0);
        parts.forEach((part) => expect(part).toBeGreaterThanOrEqual(0));
      }),
    );
  });

  it('forecasts for each réservataire, bailleur, commune and pair the volume of its EPCI: their year-end populations add up to the EPCI’s (property)', () => {
    const MEL = '200093201';
    const rules = { cia: legalDefaultCia(MEL, 2026), thresholdPerUc: 10_000, reservataireKinds: { 'etat-59': 'etat' as const } };
    fc.assert(
      fc.property(
        fc.array(arbitraryFactUntil(300), { maxLength: 80 }),
        fc.array(arbitraryFactUntil(365), { maxLength: 80 }),
        fc.constantFrom('reservataire', 'bailleur', 'commune') as fc.Arbitrary<'reservataire' | 'bailleur' | 'commune'>,
        (facts, lastYear, groupBy) => {
          const referenceDate = '2026-10-27';
          const report = evaluateCompliance(facts, rules, { epciSiren: MEL, year: 2026, groupBy, referenceDate });
          const history = evaluateCompliance(
            lastYear.map((fact) => ({ ...fact, leaseDate: `2025${fact.leaseDate.slice(4)}` })),
            rules,
            { epciSiren: MEL, year: 2025, groupBy, referenceDate },
          );
          for (const objective of forecastReport(report, [history], referenceDate)) {
            const epci = objective.scopes.find((s) => s.scope.kind === 'epci')!.forecast;
            for (const kind of [groupBy, 'reservataire', 'bailleur_reservataire']) {
              const groups = objective.scopes.filter((s) => s.scope.kind === kind);
              if (groups.length === 0) continue;
              const sum = groups.reduce((total, s) => total + s.forecast.expectedYearEndDenominator, 0);
              expect({ objective: objective.id, kind, sum }).toEqual({
                objective: objective.id,
                kind,
                sum: epci.expectedYearEndDenominator,
              });
              for (const { forecast } of groups) expect(forecast.remaining).toBeGreaterThanOrEqual(0);
            }
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
