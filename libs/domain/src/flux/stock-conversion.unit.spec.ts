import fc from 'fast-check';
import { convertStock, largestRemainder, type StockConversionInput } from './stock-conversion.js';

/** Seed 003: 20 000 flats, 10 % turnover, 400 attributions outside the net base; ALS holds 1 000 rights. */
const seed: StockConversionInput = {
  stock: 20_000,
  turnoverRates: [0.1, 0.1, 0.1],
  exclusions: { mutationsInternes: 250, relogementsAnruInternes: 100, ventesHlm: 30, orcod: 10, lhi: 10 },
  method: 'global',
  rights: 1_000,
  meanRemainingYears: 15,
  spreadOverYears: 3,
  firstYear: 2022,
};

describe('Stock → flux conversion (seed 003, numbers reproduced exactly)', () => {
  it('gross base 20 000 × 10 % = 2 000, net base 2 000 − 400 = 1 600', () => {
    expect(convertStock(seed)).toMatchObject({ turnoverRate: 0.1, grossBase: 2_000, excluded: 400, netBase: 1_600 });
  });

  it('global method: 1 000 × 15 × 10 % = 1 500 rehousings owed', () => {
    expect(convertStock(seed).owed).toBe(1_500);
  });

  it('per-convention method: 600 × 6 × 10 % + 400 × 15 × 10 % = 360 + 600 = 960', () => {
    const result = convertStock({
      ...seed,
      method: 'per_convention',
      conventions: [
        { id: 'conv-1', rights: 600, remainingYears: 6 },
        { id: 'conv-2', rights: 400, remainingYears: 15 },
      ],
    });
    expect(result.perConvention).toEqual([
      { id: 'conv-1', owed: 360 },
      { id: 'conv-2', owed: 600 },
    ]);
    expect(result.owed).toBe(960);
    expect(result.yearly).toEqual([
      { year: 2022, rehousings: 320 },
      { year: 2023, rehousings: 320 },
      { year: 2024, rehousings: 320 },
    ]);
  });

  it('takes the mean turnover of the last three years', () => {
    expect(convertStock({ ...seed, turnoverRates: [0.09, 0.1, 0.11] })).toMatchObject({
      turnoverRate: 0.1,
      grossBase: 2_000,
      owed: 1_500,
    });
  });

  it('global method with the plain mean of the conventions’ remaining durations', () => {
    // (6 + 15) / 2 = 10.5 years: 1 000 × 10.5 × 10 % = 1 050.
    const result = convertStock({
      ...seed,
      rights: undefined,
      meanRemainingYears: undefined,
      conventions: [
        { id: 'a', rights: 600, remainingYears: 6 },
        { id: 'b', rights: 400, remainingYears: 15 },
      ],
    });
    expect(result.owed).toBe(1_050);
  });

  it('spreads a volume that does not divide evenly, the earlier years taking the rest', () => {
    expect(largestRemainder(1_000, [1, 1, 1])).toEqual([334, 333, 333]);
  });

  it('splits a multi-département bailleur pro rata of its stock', () => {
    const result = convertStock({
      ...seed,
      departements: [
        { code: '59', stock: 12_000 },
        { code: '62', stock: 8_000 },
      ],
    });
    expect(result.perDepartement).toEqual([
      { code: '59', stock: 12_000, owed: 900 },
      { code: '62', stock: 8_000, owed: 600 },
    ]);
  });

  it('shows every intermediate value', () => {
    expect(convertStock(seed).steps.map((s) => [s.label, s.value])).toEqual([
      ['Taux de rotation moyen', 0.1],
      ['Assiette brute', 2_000],
      ['Attributions hors assiette', 400],
      ['Assiette nette', 1_600],
      ['Durée moyenne restant à courir', 15],
      ['Relogements dus (méthode globale)', 1_500],
      ['Relogements par an', 500],
    ]);
  });

  it('refuses exclusions larger than the gross base', () => {
    expect(() => convertStock({ ...seed, exclusions: { ventesHlm: 2_001 } })).toThrow(
      expect.objectContaining({ code: 'STOCK_CONVERSION_INVALID' }),
    );
  });
});

describe('Splitting (properties)', () => {
  it('parts always add up to the total, and differ from the exact share by less than one', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100_000 }),
        fc.array(fc.integer({ min: 1, max: 50_000 }), { minLength: 1, maxLength: 12 }),
        (total, weights) => {
          const parts = largestRemainder(total, weights);
          expect(parts.reduce((a, b) => a + b, 0)).toBe(total);
          const sum = weights.reduce((a, b) => a + b, 0);
          parts.forEach((part, i) => expect(Math.abs(part - (total * weights[i]!) / sum)).toBeLessThan(1));
        },
      ),
    );
  });

  it('owes more for a higher turnover, all else equal', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000 }),
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 1, max: 200 }),
        (rights, years, rateBp) => {
          const owed = (bpRate: number) =>
            convertStock({ ...seed, exclusions: {}, rights, meanRemainingYears: years, turnoverRates: [bpRate / 10_000] }).owed;
          expect(owed(rateBp + 1)).toBeGreaterThanOrEqual(owed(rateBp));
        },
      ),
    );
  });
});
