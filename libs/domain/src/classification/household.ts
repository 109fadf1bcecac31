import type { HouseholdComposition } from '../attribution/attribution.events.js';

/**
 * Consumption-unit scale (échelle d'unités de consommation). Default (configurable per CIA):
 * 1 for the first adult, 0.5 for each other person aged 14 or more, 0.3 for each child under 14.
 */
export interface UcScale {
  readonly firstAdult: number;
  readonly otherAged14OrMore: number;
  readonly childUnder14: number;
}

export const DEFAULT_UC_SCALE: UcScale = { firstAdult: 1, otherAged14OrMore: 0.5, childUnder14: 0.3 };

/** Consumption units in hundredths, so that the threshold comparison is exact. */
export function consumptionUnitsHundredths(composition: HouseholdComposition, scale: UcScale = DEFAULT_UC_SCALE): number {
  const others = Math.max(0, composition.personsAged14OrMore - 1);
  return (
    Math.round(scale.firstAdult * 100) +
    others * Math.round(scale.otherAged14OrMore * 100) +
    composition.childrenUnder14 * Math.round(scale.childUnder14 * 100)
  );
}

export function consumptionUnits(composition: HouseholdComposition, scale: UcScale = DEFAULT_UC_SCALE): number {
  return consumptionUnitsHundredths(composition, scale) / 100;
}

/**
 * First-quartile status of a household for the lease's EPCI and year:
 * - `unknown`: resources missing (never silently counted as non-Q1);
 * - `pending`: no threshold published yet for that EPCI and year;
 * - `q1`: resources per UC strictly below the threshold (exactly at it is not Q1).
 */
export type Q1Status = 'q1' | 'non_q1' | 'unknown' | 'pending';

export function q1Status(
  yearlyResources: number | null,
  composition: HouseholdComposition,
  thresholdPerUc: number | undefined,
  scale: UcScale = DEFAULT_UC_SCALE,
): Q1Status {
  if (yearlyResources === null || yearlyResources === undefined) return 'unknown';
  if (thresholdPerUc === undefined) return 'pending';
  // resources / uc < threshold  ⇔  resources·100 < threshold·uc·100, all in cents: exact integers.
  const resourcesCents = Math.round(yearlyResources * 100);
  const thresholdCents = Math.round(thresholdPerUc * 100);
  return resourcesCents * 100 < thresholdCents * consumptionUnitsHundredths(composition, scale) ? 'q1' : 'non_q1';
}
