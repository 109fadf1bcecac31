import fc from 'fast-check';
import { consumptionUnits, q1Status } from './household.js';

describe('Consumption units (default scale)', () => {
  it('counts 1 for the first adult, 0.5 per other person of 14 or more, 0.3 per child under 14', () => {
    expect(consumptionUnits({ personsAged14OrMore: 1, childrenUnder14: 0 })).toBe(1);
    expect(consumptionUnits({ personsAged14OrMore: 2, childrenUnder14: 0 })).toBe(1.5);
    expect(consumptionUnits({ personsAged14OrMore: 2, childrenUnder14: 2 })).toBe(2.1);
    expect(consumptionUnits({ personsAged14OrMore: 1, childrenUnder14: 3 })).toBe(1.9);
  });

  it('follows a configured scale', () => {
    expect(
      consumptionUnits(
        { personsAged14OrMore: 3, childrenUnder14: 1 },
        { firstAdult: 1, otherAged14OrMore: 0.7, childUnder14: 0.5 },
      ),
    ).toBe(2.9);
  });
});

describe('First-quartile status', () => {
  const couple2Children = { personsAged14OrMore: 2, childrenUnder14: 2 }; // 2.1 UC
  // Threshold 10 000 €/UC: the household is Q1 strictly below 21 000 € a year.
  it('is Q1 just below the threshold', () => expect(q1Status(20_999.99, couple2Children, 10_000)).toBe('q1'));
  it('is not Q1 exactly at the threshold', () => expect(q1Status(21_000, couple2Children, 10_000)).toBe('non_q1'));
  it('is not Q1 above the threshold', () => expect(q1Status(21_000.01, couple2Children, 10_000)).toBe('non_q1'));
  it('is unknown when resources are missing, threshold or not', () => {
    expect(q1Status(null, couple2Children, 10_000)).toBe('unknown');
    expect(q1Status(null, couple2Children, undefined)).toBe('unknown');
  });
  it('is pending while no threshold is published', () => expect(q1Status(5_000, couple2Children, undefined)).toBe('pending'));

  it('agrees with resources / UC < threshold on whole-euro amounts (no floating-point drift)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 200_000 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 0, max: 8 }),
        fc.integer({ min: 1_000, max: 30_000 }),
        (resources, adults, children, threshold) => {
          const ucTenths = 10 + 5 * (adults - 1) + 3 * children;
          const expected = resources * 10 < threshold * ucTenths ? 'q1' : 'non_q1';
          expect(q1Status(resources, { personsAged14OrMore: adults, childrenUnder14: children }, threshold)).toBe(expected);
        },
      ),
    );
  });
});
