import { DomainError } from '../domain-error.js';

/**
 * Stock → flux conversion (seed 003): reservation rights on fixed flats (droits de suite)
 * become a number of rehousings owed, spread over a negotiated number of years.
 *
 * Rounding rule: every intermediate value is kept exact (rates in basis points, durations in
 * hundredths of a year, one division at the end); a count of flats or rehousings is then
 * rounded half up to a whole number; a whole number split in parts (per year, per
 * département) uses the largest-remainder method, so the parts always add up to the total
 * (ties go to the earlier year / the département listed first).
 */
export interface StockConversionInput {
  /** Social flats of the bailleur in the scope (a département, or the region for a pro rata split). */
  readonly stock: number;
  /** Turnover rates (mutations included) of the last three years, e.g. [0.098, 0.1, 0.102]. */
  readonly turnoverRates: readonly number[];
  /** Attributions per year outside the net base (internal mutations, internal ANRU rehousing, HLM sales, ORCOD, LHI). */
  readonly exclusions: Readonly<Record<string, number>>;
  readonly method: 'global' | 'per_convention';
  /** Per-convention method: each convention's rights and the years it still has to run. */
  readonly conventions?: ReadonlyArray<{ readonly id: string; readonly rights: number; readonly remainingYears: number }>;
  /** Global method: total rights; the mean remaining duration is the plain mean over `conventions`, or given. */
  readonly rights?: number;
  readonly meanRemainingYears?: number;
  /** Years over which the owed volume is spread (negotiated; a stable view of at least three years). */
  readonly spreadOverYears: number;
  readonly firstYear: number;
  /** Multi-département bailleur: split the owed volume pro rata of its stock per département. */
  readonly departements?: ReadonlyArray<{ readonly code: string; readonly stock: number }>;
}

export interface ConversionStep {
  readonly label: string;
  readonly formula: string;
  readonly value: number;
}

export interface StockConversion {
  readonly turnoverRate: number;
  readonly grossBase: number;
  readonly excluded: number;
  readonly netBase: number;
  readonly owed: number;
  readonly perConvention: ReadonlyArray<{ readonly id: string; readonly owed: number }>;
  readonly yearly: ReadonlyArray<{ readonly year: number; readonly rehousings: number }>;
  readonly perDepartement: ReadonlyArray<{ readonly code: string; readonly stock: number; readonly owed: number }>;
  /** Every intermediate value, in order, with the formula that gave it. */
  readonly steps: readonly ConversionStep[];
}

const bp = (rate: number) => Math.round(rate * 10_000);
const hundredths = (years: number) => Math.round(years * 100);
/** Half up, exact on the rationals numerator / denominator given as integers. */
const roundHalfUp = (numerator: number, denominator: number) => Math.floor((2 * numerator + denominator) / (2 * denominator));

/** Splits a whole number in parts proportional to weights; the parts add up to the total. */
export function largestRemainder(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  if (sum <= 0) return weights.map(() => 0);
  const shares = weights.map((weight, index) => ({
    index,
    floor: Math.floor((total * weight) / sum),
    remainder: (total * weight) % sum,
  }));
  let left = total - shares.reduce((a, s) => a + s.floor, 0);
  for (const share of [...shares].sort((a, b) => b.remainder - a.remainder || a.index - b.index)) {
    if (left <= 0) break;
    share.floor += 1;
    left -= 1;
  }
  return shares.map((share) => share.floor);
}

export type StockConversionErrorCode = 'STOCK_CONVERSION_INVALID';

function invalid(field: string, reason: string): DomainError<StockConversionErrorCode> {
  return new DomainError('STOCK_CONVERSION_INVALID', { field, reason });
}

export function convertStock(input: StockConversionInput): StockConversion {
  if (input.turnoverRates.length === 0) throw invalid('turnoverRates', 'au moins une année');
  if (!(input.spreadOverYears >= 1 && Number.isInteger(input.spreadOverYears)))
    throw invalid('spreadOverYears', 'nombre entier d’années ≥ 1');
  const steps: ConversionStep[] = [];
  // Mean turnover, exact: Σ bp / n.
  const rateSum = input.turnoverRates.reduce((sum, rate) => sum + bp(rate), 0);
  const n = input.turnoverRates.length;
  const turnoverRate = rateSum / n / 10_000;
  steps.push({
    label: 'Taux de rotation moyen',
    formula: `(${input.turnoverRates.map((r) => `${(r * 100).toFixed(2)} %`).join(' + ')}) / ${n}`,
    value: turnoverRate,
  });
  const grossBase = roundHalfUp(input.stock * rateSum, n * 10_000);
  steps.push({ label: 'Assiette brute', formula: `${input.stock} × ${(turnoverRate * 100).toFixed(2)} %`, value: grossBase });
  const excluded = Object.values(input.exclusions).reduce((a, b) => a + b, 0);
  steps.push({
    label: 'Attributions hors assiette',
    formula:
      Object.entries(input.exclusions)
        .map(([k, v]) => `${k} ${v}`)
        .join(' + ') || '0',
    value: excluded,
  });
  const netBase = grossBase - excluded;
  if (netBase < 0) throw invalid('exclusions', 'les exclusions dépassent l’assiette brute');
  steps.push({ label: 'Assiette nette', formula: `${grossBase} − ${excluded}`, value: netBase });

  let owed: number;
  let perConvention: Array<{ id: string; owed: number }> = [];
  if (input.method === 'global') {
    const rights = input.rights ?? input.conventions?.reduce((a, c) => a + c.rights, 0);
    const meanYears =
      input.meanRemainingYears ??
      (input.conventions?.length
        ? input.conventions.reduce((a, c) => a + c.remainingYears, 0) / input.conventions.length
        : undefined);
    if (rights === undefined || meanYears === undefined)
      throw invalid('rights', 'droits de suite et durée moyenne restante (ou conventions) requis');
    steps.push({
      label: 'Durée moyenne restant à courir',
      formula: input.meanRemainingYears === undefined ? 'moyenne des durées des conventions' : 'donnée',
      value: meanYears,
    });
    owed = roundHalfUp(rights * hundredths(meanYears) * rateSum, 100 * n * 10_000);
    steps.push({
      label: 'Relogements dus (méthode globale)',
      formula: `${rights} × ${meanYears} × ${(turnoverRate * 100).toFixed(2)} %`,
      value: owed,
    });
  } else {
    if (!input.conventions?.length) throw invalid('conventions', 'au moins une convention');
    perConvention = input.conventions.map((c) => ({
      id: c.id,
      owed: roundHalfUp(c.rights * hundredths(c.remainingYears) * rateSum, 100 * n * 10_000),
    }));
    for (const [i, c] of input.conventions.entries()) {
      steps.push({
        label: `Convention ${c.id}`,
        formula: `${c.rights} × ${c.remainingYears} × ${(turnoverRate * 100).toFixed(2)} %`,
        value: perConvention[i]!.owed,
      });
    }
    owed = perConvention.reduce((a, c) => a + c.owed, 0);
    steps.push({
      label: 'Relogements dus (somme par convention)',
      formula: perConvention.map((c) => c.owed).join(' + '),
      value: owed,
    });
  }

  const yearly = largestRemainder(
    owed,
    Array.from({ length: input.spreadOverYears }, () => 1),
  ).map((rehousings, i) => ({ year: input.firstYear + i, rehousings }));
  steps.push({
    label: 'Relogements par an',
    formula: `${owed} / ${input.spreadOverYears} ans`,
    value: owed / input.spreadOverYears,
  });
  const departements = input.departements ?? [];
  const split = largestRemainder(
    owed,
    departements.map((d) => d.stock),
  );
  const perDepartement = departements.map((d, i) => ({ code: d.code, stock: d.stock, owed: split[i]! }));
  return { turnoverRate, grossBase, excluded, netBase, owed, perConvention, yearly, perDepartement, steps };
}
