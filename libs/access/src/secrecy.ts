import type { ComplianceReport, ConventionFlux, Figure, MonthFigure, ScopeFigure } from '@vigie/domain';

/**
 * Secret statistique: in a view shared outside the data owner, a count of 1 to threshold − 1
 * could point at a few households. Zero is not secret (it reveals no one).
 */
export function isSecret(count: number | null | undefined, threshold: number): boolean {
  return typeof count === 'number' && count > 0 && count < threshold;
}

/** A figure as shown outside its owner: a masked count is null, and `masked` names what was hidden. */
export type SharedFigure = {
  [K in keyof Figure]: K extends 'monthly' ? readonly SharedMonth[] : Figure[K] | (Figure[K] extends number ? null : never);
} & { readonly masked: readonly string[] };

export type SharedMonth = { [K in keyof MonthFigure]: MonthFigure[K] | null } & { readonly masked: boolean };

/**
 * Masks one figure. The denominator is masked when secret; the numerator when it is secret or
 * when what the denominator leaves (denominator − numerator) is (secret secondaire: otherwise a
 * "9 of 10" would tell that one household is outside). A masked count hides every rate, gap,
 * status and projection computed on it.
 */
export function maskFigure(figure: Figure, threshold: number, alsoMasked: readonly string[] = []): SharedFigure {
  const masked: string[] = [];
  const denominatorSecret = isSecret(figure.denominator, threshold);
  const numeratorSecret =
    denominatorSecret || isSecret(figure.numerator, threshold) || isSecret(figure.denominator - figure.numerator, threshold);
  if (denominatorSecret) masked.push('denominator', 'expectedYearEndDenominator');
  if (numeratorSecret) masked.push('numerator', 'rate', 'gap', 'status', 'neededToTarget', 'reachable');
  const counts = (['unknownQ1', 'pendingQ1', 'awaitingThreshold', 'internalMutations'] as const).filter((name) =>
    isSecret(figure[name], threshold),
  );
  masked.push(...counts);
  masked.push(...alsoMasked.filter((name) => !masked.includes(name)));
  const hide = <T>(name: string, value: T): T | null => (masked.includes(name) ? null : value);
  return {
    numerator: hide('numerator', figure.numerator),
    denominator: hide('denominator', figure.denominator),
    rate: hide('rate', figure.rate),
    target: figure.target,
    gap: hide('gap', figure.gap),
    status: masked.includes('status') ? 'non_evaluable' : figure.status,
    unknownQ1: hide('unknownQ1', figure.unknownQ1),
    pendingQ1: hide('pendingQ1', figure.pendingQ1),
    awaitingThreshold: hide('awaitingThreshold', figure.awaitingThreshold),
    internalMutations: hide('internalMutations', figure.internalMutations),
    expectedYearEndDenominator: hide('expectedYearEndDenominator', figure.expectedYearEndDenominator),
    neededToTarget: hide('neededToTarget', figure.neededToTarget),
    reachable: hide('reachable', figure.reachable),
    monthly: figure.monthly.map((month) => {
      const secret =
        isSecret(month.denominator, threshold) ||
        isSecret(month.numerator, threshold) ||
        isSecret(month.denominator - month.numerator, threshold);
      return secret
        ? {
            month: month.month,
            numerator: null,
            denominator: isSecret(month.denominator, threshold) ? null : month.denominator,
            rate: null,
            masked: true,
          }
        : { ...month, masked: false };
    }),
    masked,
  } as SharedFigure;
}

/**
 * A figure before and after one more lease (a simulation at the CAL), as shown outside its owner:
 * each masked wherever either is. One lease apart, a count shown on one side gives the other's
 * away (a masked 4 before and a shown 5 after), so the pair shares its secret statistique.
 */
export function maskFigurePair(before: Figure, after: Figure, threshold: number): readonly [SharedFigure, SharedFigure] {
  const masked = [...new Set([...maskFigure(before, threshold).masked, ...maskFigure(after, threshold).masked])];
  return [maskFigure(before, threshold, masked), maskFigure(after, threshold, masked)];
}

/** Which scopes of a report a viewer outside the owner sees: its own in full, others masked, or not at all. */
export type ScopeVisibility = (scope: ScopeFigure['scope']) => 'full' | 'masked' | 'hidden';

/**
 * What a bailleur or a réservataire reading an EPCI's figures sees: its own scope whole, the other
 * bailleurs' (réservataires') not at all, and every other figure under statistical secrecy. A
 * bailleur × réservataire scope (PRIO) is its two parties' own: each sees its pairs whole, and
 * nobody else's.
 */
export function sharedScopeVisibility(ownKind: 'bailleur' | 'reservataire', tenant: string): ScopeVisibility {
  return (scope) => {
    if (scope.kind === 'bailleur_reservataire') {
      const party = ownKind === 'bailleur' ? scope.parties?.bailleurId : scope.parties?.reservataireId;
      return party === tenant ? 'full' : 'hidden';
    }
    return scope.kind !== ownKind ? 'masked' : scope.id === tenant ? 'full' : 'hidden';
  };
}

/**
 * A compliance report as shared outside its owner (a bailleur or a réservataire reading an EPCI's
 * figures): the scopes it may see, each masked unless it is its own, and the data-quality counts
 * masked too. The report says it was (`statisticalSecrecy`).
 */
export function shareComplianceReport<R extends ComplianceReport>(report: R, threshold: number, visibility: ScopeVisibility) {
  const dataQuality = Object.fromEntries(
    Object.entries(report.dataQuality).map(([name, value]) => [name, isSecret(value, threshold) ? null : value]),
  );
  return {
    ...report,
    objectives: report.objectives.map((objective) => ({
      ...objective,
      scopes: objective.scopes.flatMap(({ scope, figure }) => {
        const seen = visibility(scope);
        if (seen === 'hidden') return [];
        return [{ scope, figure: seen === 'full' ? { ...figure, masked: [] } : maskFigure(figure, threshold) }];
      }),
    })),
    dataQuality,
    statisticalSecrecy: {
      threshold,
      rule: `Effectifs de 1 à ${threshold - 1} masqués (null), ainsi que les taux, écarts et statuts calculés sur eux.`,
    },
  };
}

/**
 * A convention's flux as shared outside its parties (the État's services reading a convention
 * of their département that is not the préfet's): households counted from 1 to threshold − 1
 * are masked, with the realised share and the gap computed on them. Flats (net base, oriented,
 * returned) are not households and stay.
 */
export function shareConventionFlux<F extends ConventionFlux>(
  figures: F,
  threshold: number,
  alsoHidden: ReadonlySet<string> = new Set(),
) {
  const secret = (value: number) => isSecret(Math.ceil(value), threshold);
  const counted = Object.fromEntries(
    Object.entries(figures.counted).map(([name, value]) => [name, secret(value) || alsoHidden.has(name) ? null : value]),
  ) as { [K in keyof ConventionFlux['counted']]: number | null };
  const totalHidden = counted.total === null;
  return {
    ...figures,
    counted,
    realisedShare: totalHidden ? null : figures.realisedShare,
    countedBeyondNetBase: totalHidden ? null : figures.countedBeyondNetBase,
    gapToProRata: totalHidden ? null : figures.gapToProRata,
    statisticalSecrecy: {
      threshold,
      rule: `Ménages décomptés de 1 à ${threshold - 1} masqués (null), ainsi que la part réalisée et l’écart calculés sur eux.`,
    },
  };
}

/**
 * A convention's flux before and after one more lease, as shown outside the parties: each count
 * hidden wherever it is secret on either side (see maskFigurePair).
 */
export function shareConventionFluxPair<F extends ConventionFlux>(before: F, after: F, threshold: number) {
  const hidden = new Set(
    [before, after].flatMap((figures) =>
      Object.entries(figures.counted)
        .filter(([, value]) => isSecret(Math.ceil(value), threshold))
        .map(([name]) => name),
    ),
  );
  return [shareConventionFlux(before, threshold, hidden), shareConventionFlux(after, threshold, hidden)] as const;
}
