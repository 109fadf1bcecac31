import type { HouseholdComposition, HouseholdFlags, LeaseSignedData } from '../attribution/attribution.events.js';
import { addDays, dayOfYear, daysInYear, monthOf, yearOf } from '../calendar/paris-calendar.js';
import { q1Status, type Q1Status } from '../classification/household.js';
import { communeOfArrondissement } from '../referential/territory.js';
import type { Cia, ObjectiveId, TerritorialObjective } from '../cia/cia.model.js';
import type { ReservataireKind } from '../referential/referential.js';
import { keyParts } from '../identity/composite-key.js';

/** One counted lease, as it stands at the position the figures are computed for. */
export interface LeaseFact {
  readonly leaseDate: string;
  readonly bailleurId: string;
  readonly reservataireId: string | null;
  readonly communeInsee: string;
  readonly qpvCode: string | null;
  readonly composition: HouseholdComposition;
  readonly yearlyResources: number | null;
  readonly flags: HouseholdFlags;
  /** The CAL decision the lease is linked to: null when none (a data-quality flag); absent when not known. */
  readonly calDecisionEventId?: string | null;
  /** Pseudonymous household and RPLS flat, to find probable duplicates. */
  readonly householdId?: string;
  readonly rplsId?: string;
}

/** What the figures read of a signed lease (its CAL decision link null when it has none). */
export function leaseFactOf(lease: LeaseSignedData): LeaseFact {
  return {
    leaseDate: lease.leaseDate,
    bailleurId: lease.bailleurId,
    reservataireId: lease.reservataireId,
    communeInsee: lease.flat.communeInsee,
    qpvCode: lease.flat.qpvCode,
    composition: lease.household.composition,
    yearlyResources: lease.household.yearlyResources,
    flags: lease.flags,
    calDecisionEventId: lease.calDecisionEventId ?? null,
    householdId: lease.household.pseudonymousId,
    rplsId: lease.flat.rplsId,
  };
}

export const GROUP_BYS = ['bailleur', 'reservataire', 'secteur', 'commune'] as const;
export type GroupBy = (typeof GROUP_BYS)[number];

export type ComplianceStatus = 'atteint' | 'en_retard' | 'non_evaluable';

export interface MonthFigure {
  /** YYYY-MM; figures are cumulative from January. */
  readonly month: string;
  readonly numerator: number;
  readonly denominator: number;
  readonly rate: number | null;
}

export interface Figure {
  readonly numerator: number;
  readonly denominator: number;
  readonly rate: number | null;
  readonly target: number | null;
  /** rate − target (negative: behind). */
  readonly gap: number | null;
  readonly status: ComplianceStatus;
  /** Leases of the population whose Q1 status is unknown (resources missing): in the denominator, never in the numerator. */
  readonly unknownQ1: number;
  /** Leases of the population waiting for the year's threshold. */
  readonly pendingQ1: number;
  /**
   * Leases of the population that do not qualify now and would once the year's threshold classes
   * their household (a pending household that the threshold may find Q1, or not Q1): while there
   * are some, a figure below its target is not known to stay below it.
   */
  readonly awaitingThreshold: number;
  /** Internal mutations in the population (counted as attributions unless the CIA excludes them). */
  readonly internalMutations: number;
  /** Denominator expected by year end at the current pace (the denominator itself for a past year). */
  readonly expectedYearEndDenominator: number;
  /** Qualifying leases still needed by year end to reach the target at that volume. */
  readonly neededToTarget: number | null;
  /** False when more qualifying leases are needed than the rest of the year is expected to bring. */
  readonly reachable: boolean | null;
  readonly monthly: readonly MonthFigure[];
}

/**
 * `bailleur_reservataire`: one réservataire's flux at one bailleur (PRIO), the réservataire
 * `non_reserve` being that bailleur's own non-réservé stock; its id is `{bailleurId}:{reservataireId}`
 * (keyParts), and `parties` names both.
 */
export type ScopeKind = 'epci' | GroupBy | 'bailleur_reservataire';

export interface ScopeFigure {
  readonly scope: {
    readonly kind: ScopeKind;
    readonly id: string;
    readonly parties?: { readonly bailleurId: string; readonly reservataireId: string };
  };
  readonly figure: Figure;
}

export interface ObjectiveReport {
  /** HQ1, QNQ1, PRIO, ANRU or TERR:{id}. */
  readonly id: string;
  readonly label: string;
  readonly target: number | null;
  readonly scopes: readonly ScopeFigure[];
}

export interface ComplianceReport {
  readonly epciSiren: string;
  readonly year: number;
  readonly groupBy: GroupBy | null;
  readonly thresholdPerUc: number | null;
  readonly objectives: readonly ObjectiveReport[];
  readonly dataQuality: {
    readonly leases: number;
    readonly unknownQ1: number;
    readonly pendingQ1: number;
    readonly internalMutations: number;
    /** Leases accepted with no CAL decision to link to. */
    readonly withoutCalDecision: number;
    /** Leases repeating another's household, flat and date under another reference. */
    readonly probableDuplicates: number;
    /**
     * Leases on a flat that another lease in force of the same bailleur was signed on within
     * FLAT_LEASED_TWICE_WINDOW_DAYS (`flatLeasedTwice`): both are counted.
     */
    readonly flatLeasedTwice: number;
  };
}

export interface ComplianceRules {
  readonly cia: Cia;
  /** Kind of each réservataire registered in the referential (the État has no PRIO target). */
  readonly reservataireKinds?: Readonly<Record<string, ReservataireKind>>;
  /** First-quartile threshold (€/UC) of the EPCI for the year, if published. */
  readonly thresholdPerUc: number | undefined;
}

export interface ComplianceQuery {
  readonly epciSiren: string;
  readonly year: number;
  readonly groupBy?: GroupBy;
  /** The day figures are read for (YYYY-MM-DD): drives the year-end extrapolation and the months shown. */
  readonly referenceDate: string;
  /**
   * Business-date cut ("où en étions-nous au 30 juin ?"): only leases signed on or before this day
   * count, and the figures are read for that day (months and extrapolation stop there).
   */
  readonly signedUntil?: string;
}

export const NON_RESERVE = 'non_reserve';
export const HORS_SECTEUR = 'hors_secteur';

/** A lease with what the rules derive from it. */
export interface Classified {
  readonly fact: LeaseFact;
  readonly month: number;
  readonly inQpv: boolean;
  readonly q1: Q1Status;
  readonly reloge: boolean;
  readonly priority: boolean;
  readonly mutation: boolean;
  /** Réservataire whose flux it counts for; internal mutations stay on the bailleur's non-réservé side. */
  readonly reservataire: string;
}

export interface ObjectiveRule {
  readonly inPopulation: (lease: Classified) => boolean;
  readonly qualifies: (lease: Classified) => boolean;
}

export function objectiveRules(cia: Cia): Record<ObjectiveId, ObjectiveRule> {
  const include = cia.options.includeInternalMutations;
  return {
    HQ1: { inPopulation: (l) => !l.inQpv && (include.hq1 || !l.mutation), qualifies: (l) => l.q1 === 'q1' || l.reloge },
    QNQ1: { inPopulation: (l) => l.inQpv && (include.qnq1 || !l.mutation), qualifies: (l) => l.q1 === 'non_q1' },
    PRIO: { inPopulation: (l) => include.prio || !l.mutation, qualifies: (l) => l.priority },
    ANRU: { inPopulation: (l) => l.fact.flags.relogeRenouvellementUrbain, qualifies: (l) => !l.inQpv },
  };
}

export const OBJECTIVE_LABELS: Record<ObjectiveId, string> = {
  HQ1: 'Attributions hors QPV aux ménages du 1er quartile ou relogés RU / copropriété dégradée',
  QNQ1: 'Attributions en QPV aux ménages hors 1er quartile',
  PRIO: 'Attributions aux publics prioritaires (DALO et art. L441-1 CCH)',
  ANRU: 'Relogements RU hors QPV',
};

/** Targets in basis points make every comparison exact integer arithmetic. */
const basisPoints = (target: number) => Math.round(target * 10_000);

/**
 * What a figure is computed from: the counts of a scope's population, and per calendar month
 * (index 0 = January) the leases it holds and those that qualify. Adding a lease to a tally and
 * computing the figure again gives exactly the figure of the population with that lease.
 */
export interface Tally {
  readonly numerator: number;
  readonly denominator: number;
  readonly unknownQ1: number;
  readonly pendingQ1: number;
  readonly awaitingThreshold: number;
  readonly internalMutations: number;
  readonly perMonth: readonly { readonly numerator: number; readonly denominator: number }[];
}

const emptyMonths = () => Array.from({ length: 12 }, () => ({ numerator: 0, denominator: 0 }));

export const EMPTY_TALLY: Tally = {
  numerator: 0,
  denominator: 0,
  unknownQ1: 0,
  pendingQ1: 0,
  awaitingThreshold: 0,
  internalMutations: 0,
  perMonth: emptyMonths(),
};

/**
 * Whether a lease that does not qualify for `rule` now would once the year's threshold is
 * published: its household is pending, and classed Q1 or not Q1 it would qualify. A rule that
 * does not look at Q1 (PRIO) gives false.
 */
export function awaitsThreshold(lease: Classified, rule: ObjectiveRule): boolean {
  return (
    lease.q1 === 'pending' &&
    !rule.qualifies(lease) &&
    (rule.qualifies({ ...lease, q1: 'q1' }) || rule.qualifies({ ...lease, q1: 'non_q1' }))
  );
}

/** The tally of a population with one more lease (unchanged when the rule leaves the lease out of the population). */
export function addToTally(tally: Tally, lease: Classified, rule: ObjectiveRule): Tally {
  if (!rule.inPopulation(lease)) return tally;
  const qualifies = rule.qualifies(lease) ? 1 : 0;
  const perMonth = tally.perMonth.map((month, index) =>
    index === lease.month - 1 ? { numerator: month.numerator + qualifies, denominator: month.denominator + 1 } : month,
  );
  return {
    numerator: tally.numerator + qualifies,
    denominator: tally.denominator + 1,
    unknownQ1: tally.unknownQ1 + (lease.q1 === 'unknown' ? 1 : 0),
    pendingQ1: tally.pendingQ1 + (lease.q1 === 'pending' ? 1 : 0),
    awaitingThreshold: tally.awaitingThreshold + (awaitsThreshold(lease, rule) ? 1 : 0),
    internalMutations: tally.internalMutations + (lease.mutation ? 1 : 0),
    perMonth,
  };
}

/** Counts the population of a rule among leases. */
export function tallyOf(leases: readonly Classified[], rule: ObjectiveRule): Tally {
  const perMonth = emptyMonths();
  let numerator = 0;
  let denominator = 0;
  let unknownQ1 = 0;
  let pendingQ1 = 0;
  let awaitingThreshold = 0;
  let internalMutations = 0;
  for (const lease of leases) {
    if (!rule.inPopulation(lease)) continue;
    denominator += 1;
    perMonth[lease.month - 1]!.denominator += 1;
    if (rule.qualifies(lease)) {
      numerator += 1;
      perMonth[lease.month - 1]!.numerator += 1;
    }
    if (lease.q1 === 'unknown') unknownQ1 += 1;
    if (lease.q1 === 'pending') pendingQ1 += 1;
    if (awaitsThreshold(lease, rule)) awaitingThreshold += 1;
    if (lease.mutation) internalMutations += 1;
  }
  return { numerator, denominator, unknownQ1, pendingQ1, awaitingThreshold, internalMutations, perMonth };
}

/**
 * The tally a figure was computed from, as far as the figure shows it: the counts, and the
 * months of its trajectory (later months, which no figure of that reference date shows, are
 * empty). `figureOf(tallyOfFigure(f), f.target, year, referenceDate)` gives `f` again.
 */
export function tallyOfFigure(figure: Figure): Tally {
  const perMonth = emptyMonths();
  let previous = { numerator: 0, denominator: 0 };
  for (const month of figure.monthly) {
    perMonth[Number(month.month.slice(5, 7)) - 1] = {
      numerator: month.numerator - previous.numerator,
      denominator: month.denominator - previous.denominator,
    };
    previous = month;
  }
  const { numerator, denominator, unknownQ1, pendingQ1, awaitingThreshold, internalMutations } = figure;
  return { numerator, denominator, unknownQ1, pendingQ1, awaitingThreshold, internalMutations, perMonth };
}

/**
 * The figure of a tally against a target (share 0–1, or null for information) for a year, read
 * on a reference date (YYYY-MM-DD): rate, gap, status, the cumulative monthly trajectory up to
 * the reference month, the denominator expected by 31 December at the pace so far (days of the
 * Paris calendar) and the qualifying leases still needed to reach the target at that volume.
 */
export function figureOf(tally: Tally, target: number | null, year: number, referenceDate: string): Figure {
  const refYear = yearOf(referenceDate);
  const lastMonth = year < refYear ? 12 : year > refYear ? 0 : monthOf(referenceDate);
  const monthly: MonthFigure[] = [];
  let cumulativeN = 0;
  let cumulativeD = 0;
  for (let month = 1; month <= Math.max(lastMonth, 0); month += 1) {
    cumulativeN += tally.perMonth[month - 1]!.numerator;
    cumulativeD += tally.perMonth[month - 1]!.denominator;
    monthly.push({
      month: `${year}-${String(month).padStart(2, '0')}`,
      numerator: cumulativeN,
      denominator: cumulativeD,
      rate: cumulativeD ? cumulativeN / cumulativeD : null,
    });
  }
  return { ...totalsOf(tally, target, year, referenceDate), monthly };
}

/** The counts of a tally, without its months. */
export type Counts = Omit<Tally, 'perMonth'>;

/** A figure without its monthly trajectory. */
export type FigureTotals = Omit<Figure, 'monthly'>;

/** `figureOf` without the monthly trajectory: what a figure reads from its counts alone (the same values, exactly). */
export function totalsOf(counts: Counts, target: number | null, year: number, referenceDate: string): FigureTotals {
  const { numerator, denominator, unknownQ1, pendingQ1, awaitingThreshold, internalMutations } = counts;
  const refYear = yearOf(referenceDate);
  const elapsed = year < refYear ? daysInYear(year) : year > refYear ? 0 : dayOfYear(referenceDate);
  const expectedYearEndDenominator =
    elapsed >= daysInYear(year) || elapsed === 0
      ? denominator
      : Math.max(denominator, Math.round((denominator * daysInYear(year)) / elapsed));
  const rate = denominator ? numerator / denominator : null;
  let status: ComplianceStatus = 'non_evaluable';
  let neededToTarget: number | null = null;
  let reachable: boolean | null = null;
  if (target !== null) {
    const bp = basisPoints(target);
    // Reached stays reached (a published threshold only adds qualifying leases); below the target
    // is said only when the leases awaiting the year's threshold could not lift the figure to it.
    if (denominator > 0)
      status =
        numerator * 10_000 >= bp * denominator
          ? 'atteint'
          : (numerator + awaitingThreshold) * 10_000 >= bp * denominator
            ? 'non_evaluable'
            : 'en_retard';
    neededToTarget = Math.max(0, Math.ceil((bp * expectedYearEndDenominator) / 10_000) - numerator);
    // Leases awaiting the year's threshold may yet qualify: counted as able to, as for the status.
    reachable = neededToTarget - awaitingThreshold <= expectedYearEndDenominator - denominator;
  }
  return {
    numerator,
    denominator,
    rate,
    target,
    gap: rate !== null && target !== null ? rate - target : null,
    status,
    unknownQ1,
    pendingQ1,
    awaitingThreshold,
    internalMutations,
    expectedYearEndDenominator,
    neededToTarget,
    reachable,
  };
}

/** The counts of a population with one more lease (unchanged when the rule leaves the lease out of the population). */
export function addToCounts(counts: Counts, lease: Classified, rule: ObjectiveRule): Counts {
  if (!rule.inPopulation(lease)) return counts;
  return {
    numerator: counts.numerator + (rule.qualifies(lease) ? 1 : 0),
    denominator: counts.denominator + 1,
    unknownQ1: counts.unknownQ1 + (lease.q1 === 'unknown' ? 1 : 0),
    pendingQ1: counts.pendingQ1 + (lease.q1 === 'pending' ? 1 : 0),
    awaitingThreshold: counts.awaitingThreshold + (awaitsThreshold(lease, rule) ? 1 : 0),
    internalMutations: counts.internalMutations + (lease.mutation ? 1 : 0),
  };
}

function figure(
  leases: readonly Classified[],
  rule: ObjectiveRule,
  target: number | null,
  year: number,
  referenceDate: string,
): Figure {
  return figureOf(tallyOf(leases, rule), target, year, referenceDate);
}

/**
 * The PRIO targets: a réservataire's own (the CIA's, possibly none), else none for the État and the
 * default for every other réservataire and for a bailleur's non-réservé stock; on the information
 * scopes, only what the CIA sets.
 */
export function prioTargets(cia: Cia, kinds: Readonly<Record<string, ReservataireKind>>) {
  const { target, byReservataire, scopeTargets } = cia.objectives.prio;
  return {
    ofReservataire(reservataire: string): number | null {
      if (Object.hasOwn(byReservataire, reservataire)) return byReservataire[reservataire] ?? null;
      if (reservataire !== NON_RESERVE && kinds[reservataire] === 'etat') return null;
      return target;
    },
    information(scope: 'epci' | GroupBy): number | null {
      return scope === 'reservataire' ? null : (scopeTargets?.[scope] ?? null);
    },
  };
}

export function groupKeys(lease: Classified, groupBy: GroupBy, cia: Cia): string[] {
  switch (groupBy) {
    case 'bailleur':
      return [lease.fact.bailleurId];
    case 'reservataire':
      return [lease.reservataire];
    case 'commune':
      return [lease.fact.communeInsee];
    case 'secteur': {
      const sectors = cia.sectors
        .filter(
          (sector) =>
            sector.communes.includes(lease.fact.communeInsee) ||
            sector.communes.includes(communeOfArrondissement(lease.fact.communeInsee)) ||
            (lease.fact.qpvCode !== null && sector.qpvs.includes(lease.fact.qpvCode)),
        )
        .map((sector) => sector.id);
      return sectors.length ? sectors : [HORS_SECTEUR];
    }
  }
}

function groupLeases(leases: readonly Classified[], keysOf: (lease: Classified) => string[]): Map<string, Classified[]> {
  const groups = new Map<string, Classified[]>();
  for (const lease of leases) {
    for (const key of keysOf(lease)) {
      const group = groups.get(key);
      if (group) group.push(lease);
      else groups.set(key, [lease]);
    }
  }
  return new Map([...groups.entries()].sort(([a], [b]) => a.localeCompare(b)));
}

function inTerritorialScope(lease: Classified, objective: TerritorialObjective, cia: Cia): boolean {
  const { filter } = objective;
  if (filter.bailleurId && lease.fact.bailleurId !== filter.bailleurId) return false;
  if (filter.communes && !filter.communes.includes(lease.fact.communeInsee)) return false;
  if (filter.sectorId && !groupKeys(lease, 'secteur', cia).includes(filter.sectorId)) return false;
  return true;
}

/** What the rules derive from one lease. */
export function classify(fact: LeaseFact, rules: ComplianceRules): Classified {
  const { cia, thresholdPerUc } = rules;
  const mutation = fact.flags.internalMutation;
  return {
    fact,
    month: monthOf(fact.leaseDate),
    inQpv: fact.qpvCode !== null,
    q1: q1Status(fact.yearlyResources, fact.composition, thresholdPerUc, cia.options.ucScale),
    reloge: fact.flags.relogeRenouvellementUrbain || fact.flags.relogeCoproDegradee,
    priority: fact.flags.dalo || fact.flags.priorityCategory !== null,
    mutation,
    reservataire: mutation ? NON_RESERVE : (fact.reservataireId ?? NON_RESERVE),
  };
}

/** Classifies the leases of one EPCI and year against the rules in force and evaluates every objective. */
export function evaluateCompliance(
  facts: readonly LeaseFact[],
  rules: ComplianceRules,
  query: ComplianceQuery,
): ComplianceReport {
  return evaluateComplianceGroupings(facts, rules, query, [query.groupBy])[0]!;
}

/**
 * `evaluateCompliance` for several groupings of one query at once (`undefined`: no grouping):
 * the leases are classified and their data quality counted once, not once per grouping. Each
 * report is exactly the one `evaluateCompliance` gives for its grouping.
 */
export function evaluateComplianceGroupings(
  facts: readonly LeaseFact[],
  rules: ComplianceRules,
  query: Omit<ComplianceQuery, 'groupBy'>,
  groupBys: readonly (GroupBy | undefined)[],
): ComplianceReport[] {
  const { signedUntil } = query;
  // A lease counts in the year of its lease date only, whatever the caller hands over.
  const counted = facts.filter(
    (fact) => yearOf(fact.leaseDate) === query.year && (signedUntil === undefined || fact.leaseDate <= signedUntil),
  );
  const leases: Classified[] = counted.map((fact) => classify(fact, rules));
  const dataQuality: ComplianceReport['dataQuality'] = {
    leases: leases.length,
    unknownQ1: leases.filter((lease) => lease.q1 === 'unknown').length,
    pendingQ1: leases.filter((lease) => lease.q1 === 'pending').length,
    internalMutations: leases.filter((lease) => lease.mutation).length,
    withoutCalDecision: leases.filter((lease) => lease.fact.calDecisionEventId === null).length,
    probableDuplicates: probableDuplicates(counted),
    flatLeasedTwice: flatLeasedTwice(counted).filter(Boolean).length,
  };
  return groupBys.map((groupBy) => reportOf(leases, dataQuality, rules, { ...query, ...(groupBy ? { groupBy } : {}) }));
}

/** An objective as the report lists it: its id, the rule counting its population, and for a territorialised one its filter. */
export interface ReportedObjective {
  /** HQ1, QNQ1, PRIO, ANRU or TERR:{id}. */
  readonly id: string;
  readonly rule: ObjectiveRule;
  readonly territorial?: TerritorialObjective;
}

/**
 * What a report is assembled from, however its figures were counted (from the leases at once, or
 * from tallies kept lease by lease): the groups holding a lease, in the order the figures list them,
 * and the figure of an objective in one scope.
 */
export interface ScopeFigures {
  /** The keys of a grouping (and of PRIO's réservataires) that hold a lease, sorted (localeCompare). */
  keys(kind: GroupBy): readonly string[];
  /** PRIO's bailleur × réservataire pairs that hold a lease, sorted by id. */
  pairs(): readonly { readonly id: string; readonly parties: { readonly bailleurId: string; readonly reservataireId: string } }[];
  figure(objective: ReportedObjective, scope: ScopeFigure['scope'], target: number | null): Figure;
}

/**
 * The objectives of an EPCI's report, in their order, each with its scopes and their targets: HQ1
 * and QNQ1 (EPCI and the grouping asked), PRIO (EPCI, the grouping as information, every
 * réservataire and every bailleur × réservataire pair), ANRU when the CIA sets it, then the
 * territorialised objectives. The one assembly of `evaluateCompliance` and `LiveCompliance`.
 */
export function assembleObjectives(
  rules: ComplianceRules,
  epciSiren: string,
  groupBy: GroupBy | undefined,
  figures: ScopeFigures,
): ObjectiveReport[] {
  const { cia } = rules;
  const byObjective = objectiveRules(cia);
  const at = (objective: ReportedObjective, scope: ScopeFigure['scope'], target: number | null): ScopeFigure => ({
    scope,
    figure: figures.figure(objective, scope, target),
  });
  const scoped = (objective: ReportedObjective, target: number | null): ScopeFigure[] => [
    at(objective, { kind: 'epci', id: epciSiren }, target),
    ...(groupBy ? figures.keys(groupBy).map((key) => at(objective, { kind: groupBy, id: key }, target)) : []),
  ];
  const objectives: ObjectiveReport[] = [
    {
      id: 'HQ1',
      label: OBJECTIVE_LABELS.HQ1,
      target: cia.objectives.hq1.target,
      scopes: scoped({ id: 'HQ1', rule: byObjective.HQ1 }, cia.objectives.hq1.target),
    },
    {
      id: 'QNQ1',
      label: OBJECTIVE_LABELS.QNQ1,
      target: cia.objectives.qnq1.target,
      scopes: scoped({ id: 'QNQ1', rule: byObjective.QNQ1 }, cia.objectives.qnq1.target),
    },
  ];

  // PRIO is an obligation of each réservataire and of each bailleur's non-réservé stock: figures per
  // réservataire and per bailleur × réservataire always; EPCI-wide, per bailleur, per sector and per
  // commune they are information unless the CIA sets a target there.
  const prio = prioTargets(cia, rules.reservataireKinds ?? {});
  const prioObjective: ReportedObjective = { id: 'PRIO', rule: byObjective.PRIO };
  const prioScopes: ScopeFigure[] = [at(prioObjective, { kind: 'epci', id: epciSiren }, prio.information('epci'))];
  if (groupBy && groupBy !== 'reservataire') {
    for (const key of figures.keys(groupBy))
      prioScopes.push(at(prioObjective, { kind: groupBy, id: key }, prio.information(groupBy)));
  }
  for (const key of figures.keys('reservataire')) {
    // The non-réservé stock is each bailleur's obligation: across bailleurs it is information.
    prioScopes.push(at(prioObjective, { kind: 'reservataire', id: key }, key === NON_RESERVE ? null : prio.ofReservataire(key)));
  }
  for (const { id, parties } of figures.pairs()) {
    prioScopes.push(
      at(prioObjective, { kind: 'bailleur_reservataire', id, parties }, prio.ofReservataire(parties.reservataireId)),
    );
  }
  objectives.push({ id: 'PRIO', label: OBJECTIVE_LABELS.PRIO, target: prio.information('epci'), scopes: prioScopes });

  if (cia.objectives.anru.target !== null) {
    objectives.push({
      id: 'ANRU',
      label: OBJECTIVE_LABELS.ANRU,
      target: cia.objectives.anru.target,
      scopes: scoped({ id: 'ANRU', rule: byObjective.ANRU }, cia.objectives.anru.target),
    });
  }
  for (const territorial of cia.territorialObjectives) {
    const objective = { id: `TERR:${territorial.id}`, rule: byObjective[territorial.objective], territorial };
    objectives.push({
      id: objective.id,
      label: territorial.label,
      target: territorial.target,
      scopes: [at(objective, { kind: 'epci', id: epciSiren }, territorial.target)],
    });
  }
  return objectives;
}

function reportOf(
  leases: readonly Classified[],
  dataQuality: ComplianceReport['dataQuality'],
  rules: ComplianceRules,
  query: ComplianceQuery,
): ComplianceReport {
  const { cia, thresholdPerUc } = rules;
  const { signedUntil, year, groupBy } = query;
  const referenceDate = signedUntil !== undefined && signedUntil < query.referenceDate ? signedUntil : query.referenceDate;
  const groupings = new Map<GroupBy, Map<string, Classified[]>>();
  const grouping = (kind: GroupBy) => {
    let groups = groupings.get(kind);
    if (!groups) {
      groups = groupLeases(leases, (lease) => groupKeys(lease, kind, cia));
      groupings.set(kind, groups);
    }
    return groups;
  };
  const pairs = new Map<string, { bailleurId: string; reservataireId: string; leases: Classified[] }>();
  for (const lease of leases) {
    const id = keyParts(lease.fact.bailleurId, lease.reservataire);
    const pair = pairs.get(id) ?? { bailleurId: lease.fact.bailleurId, reservataireId: lease.reservataire, leases: [] };
    pair.leases.push(lease);
    pairs.set(id, pair);
  }
  const sortedPairs = [...pairs.entries()].sort(([a], [b]) => a.localeCompare(b));
  const population = (objective: ReportedObjective, scope: ScopeFigure['scope']): readonly Classified[] => {
    if (objective.territorial) return leases.filter((lease) => inTerritorialScope(lease, objective.territorial!, cia));
    if (scope.kind === 'epci') return leases;
    if (scope.kind === 'bailleur_reservataire') return pairs.get(scope.id)?.leases ?? [];
    return grouping(scope.kind).get(scope.id) ?? [];
  };
  const objectives = assembleObjectives(rules, query.epciSiren, groupBy, {
    keys: (kind) => [...grouping(kind).keys()],
    pairs: () => sortedPairs.map(([id, { bailleurId, reservataireId }]) => ({ id, parties: { bailleurId, reservataireId } })),
    figure: (objective, scope, target) => figure(population(objective, scope), objective.rule, target, year, referenceDate),
  });
  return {
    epciSiren: query.epciSiren,
    year,
    groupBy: groupBy ?? null,
    thresholdPerUc: thresholdPerUc ?? null,
    objectives,
    dataQuality,
  };
}

/** A scope of an EPCI's figures whose population holds a lease: its objective, its target and the rule counting it. */
export interface LeaseScope {
  readonly objectiveId: string;
  readonly label: string;
  /** The objective's own target (PRIO: its EPCI-wide one). */
  readonly objectiveTarget: number | null;
  readonly scope: ScopeFigure['scope'];
  readonly target: number | null;
  readonly rule: ObjectiveRule;
}

/**
 * The scopes a lease counts in, as `evaluateCompliance` builds them: the EPCI and the scopes of
 * each grouping asked, PRIO's réservataire and bailleur × réservataire scopes, ANRU when the CIA
 * sets it, and the territorialised objectives whose population holds it. A scope whose population
 * leaves the lease out (HQ1 for a flat in QPV…) is not listed: its figure does not move.
 */
export function scopesOfLease(
  lease: Classified,
  rules: ComplianceRules,
  epciSiren: string,
  groupBys: readonly GroupBy[],
): LeaseScope[] {
  const { cia } = rules;
  const byObjective = objectiveRules(cia);
  const prio = prioTargets(cia, rules.reservataireKinds ?? {});
  const scopes: LeaseScope[] = [];
  const add = (objectiveId: string, label: string, objectiveTarget: number | null, rule: ObjectiveRule) => {
    const at = (scope: ScopeFigure['scope'], target: number | null) => {
      if (rule.inPopulation(lease)) scopes.push({ objectiveId, label, objectiveTarget, scope, target, rule });
    };
    return at;
  };
  const grouped = (objectiveId: ObjectiveId, target: number) => {
    const at = add(objectiveId, OBJECTIVE_LABELS[objectiveId], target, byObjective[objectiveId]);
    at({ kind: 'epci', id: epciSiren }, target);
    for (const groupBy of groupBys) for (const key of groupKeys(lease, groupBy, cia)) at({ kind: groupBy, id: key }, target);
  };
  grouped('HQ1', cia.objectives.hq1.target);
  grouped('QNQ1', cia.objectives.qnq1.target);
  const prioAt = add('PRIO', OBJECTIVE_LABELS.PRIO, prio.information('epci'), byObjective.PRIO);
  prioAt({ kind: 'epci', id: epciSiren }, prio.information('epci'));
  for (const groupBy of groupBys) {
    if (groupBy === 'reservataire') continue;
    for (const key of groupKeys(lease, groupBy, cia)) prioAt({ kind: groupBy, id: key }, prio.information(groupBy));
  }
  prioAt(
    { kind: 'reservataire', id: lease.reservataire },
    lease.reservataire === NON_RESERVE ? null : prio.ofReservataire(lease.reservataire),
  );
  const parties = { bailleurId: lease.fact.bailleurId, reservataireId: lease.reservataire };
  prioAt(
    { kind: 'bailleur_reservataire', id: keyParts(parties.bailleurId, parties.reservataireId), parties },
    prio.ofReservataire(lease.reservataire),
  );
  if (cia.objectives.anru.target !== null) grouped('ANRU', cia.objectives.anru.target);
  for (const territorial of cia.territorialObjectives) {
    if (!inTerritorialScope(lease, territorial, cia)) continue;
    add(
      `TERR:${territorial.id}`,
      territorial.label,
      territorial.target,
      byObjective[territorial.objective],
    )({ kind: 'epci', id: epciSiren }, territorial.target);
  }
  return scopes;
}

/**
 * Two leases in force on one flat signed this many days apart or less (0 to 30) are flagged: a flat
 * is rarely vacated and let again within a month, so one of them is likely a wrong RPLS id, a lease
 * that should have been cancelled, or a duplicate under another household. A flag, never a refusal.
 */
export const FLAT_LEASED_TWICE_WINDOW_DAYS = 30;

/**
 * For each fact (in the order given), whether another of the facts is a lease of the same bailleur
 * on the same flat (RPLS id) signed within FLAT_LEASED_TWICE_WINDOW_DAYS of it, a probable
 * duplicate (same household and date, counted apart) excepted. Facts without a flat id are never
 * flagged. The facts are the leases in force of the figures (one EPCI-year): two leases either
 * side of 31 December are not compared.
 */
export function flatLeasedTwice(
  facts: readonly Pick<LeaseFact, 'leaseDate' | 'bailleurId' | 'rplsId' | 'householdId'>[],
): boolean[] {
  const byFlat = new Map<string, number[]>();
  facts.forEach((fact, index) => {
    if (fact.rplsId === undefined) return;
    const key = keyParts(fact.bailleurId, fact.rplsId);
    const flat = byFlat.get(key);
    if (flat) flat.push(index);
    else byFlat.set(key, [index]);
  });
  const flagged = facts.map(() => false);
  // Per flat, sorted dates: a lease is flagged when its window (±30 days) holds more leases than
  // its own twins (same household, same date). O(n log n): a flat with thousands of leases (a
  // bulk file on one RPLS id) must not stall every evaluation.
  for (const indexes of byFlat.values()) {
    if (indexes.length < 2) continue;
    const dates = indexes.map((i) => facts[i]!.leaseDate).sort();
    const twins = new Map<string, number>();
    for (const i of indexes) {
      const { householdId, leaseDate } = facts[i]!;
      if (householdId === undefined) continue;
      const key = keyParts(householdId, leaseDate);
      twins.set(key, (twins.get(key) ?? 0) + 1);
    }
    for (const i of indexes) {
      const { householdId, leaseDate } = facts[i]!;
      const inWindow =
        countBefore(dates, addDays(leaseDate, FLAT_LEASED_TWICE_WINDOW_DAYS), true) -
        countBefore(dates, addDays(leaseDate, -FLAT_LEASED_TWICE_WINDOW_DAYS), false);
      const sameLease = householdId === undefined ? 1 : twins.get(keyParts(householdId, leaseDate))!;
      flagged[i] = inWindow > sameLease;
    }
  }
  return flagged;
}

/**
 * In dates sorted ascending (YYYY-MM-DD), how many come before `date` (`through`: on or before it),
 * by binary search.
 */
function countBefore(dates: readonly string[], date: string, through: boolean): number {
  let [low, high] = [0, dates.length];
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (dates[middle]! < date || (through && dates[middle] === date)) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * Leases that repeat another one's household, flat and date under another reference (the same
 * lease sent twice): each lease beyond the first of such a group.
 */
export function probableDuplicates(facts: readonly LeaseFact[]): number {
  const seen = new Map<string, number>();
  for (const fact of facts) {
    if (fact.householdId === undefined || fact.rplsId === undefined) continue;
    const key = JSON.stringify([fact.householdId, fact.rplsId, fact.leaseDate]);
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  let extra = 0;
  for (const count of seen.values()) extra += count - 1;
  return extra;
}
