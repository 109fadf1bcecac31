import { addDays, yearOf } from '../calendar/paris-calendar.js';
import { keyParts } from '../identity/composite-key.js';
import {
  assembleObjectives,
  awaitsThreshold,
  classify,
  EMPTY_TALLY,
  FLAT_LEASED_TWICE_WINDOW_DAYS,
  figureOf,
  GROUP_BYS,
  groupKeys,
  scopesOfLease,
  type ComplianceReport,
  type ComplianceRules,
  type GroupBy,
  type LeaseFact,
  type ScopeKind,
} from './compliance.js';

interface MutableTally {
  numerator: number;
  denominator: number;
  unknownQ1: number;
  pendingQ1: number;
  awaitingThreshold: number;
  internalMutations: number;
  perMonth: Array<{ numerator: number; denominator: number }>;
}

interface Group {
  count: number;
  readonly parties?: { readonly bailleurId: string; readonly reservataireId: string };
}

/** The leases of one flat signed on one day: per household (twins), those without one, and how many the rule flags. */
interface FlatDay {
  total: number;
  readonly households: Map<string, number>;
  anonymous: number;
  flagged: number;
}

/** One flat's leases (bailleur, RPLS id), by day, with its days sorted (YYYY-MM-DD). */
interface Flat {
  readonly days: Map<string, FlatDay>;
  readonly dates: string[];
}

/** Past this many changed days in one flat, its every day is settled again rather than the windows of the changed ones. */
const WHOLE_FLAT_BEYOND = 8;

const tallyKey = (objectiveId: string, kind: ScopeKind, id: string) => `${objectiveId}\u0000${kind}\u0000${id}`;

/** The key of a scope (kind and id) in `changedScopes`. */
export const scopeKey = (kind: ScopeKind, id: string) => `${kind}\u0000${id}`;

/** In dates sorted ascending, the index of the first one at or after `date`. */
function lowerBound(dates: readonly string[], date: string): number {
  let [low, high] = [0, dates.length];
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (dates[middle]! < date) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * The figures of one EPCI and year under fixed rules, kept up to date lease by lease: each lease
 * version added or removed moves the tallies of the scopes it counts in (per objective, per scope,
 * per month), the groups it opens, the data-quality counts and the flat-leased-twice flags of the
 * days within the window of its own, on its flat only. A report reads the tallies instead of
 * classifying every lease again, and gives exactly what `evaluateCompliance` gives for the leases
 * held (same figures, same order, one assembly: `assembleObjectives`; a property test holds it to
 * that). A business-date cut (`signedUntil`) or other rules need a new one.
 */
export class LiveCompliance {
  private readonly tallies = new Map<string, MutableTally>();
  private readonly groups = new Map<ScopeKind, Map<string, Group>>();
  /** The groups of each kind sorted as the figures list them, until a group opens or closes. */
  private readonly sortedKeys = new Map<ScopeKind, Array<[string, Group]>>();
  private readonly quality = { leases: 0, unknownQ1: 0, pendingQ1: 0, internalMutations: 0, withoutCalDecision: 0 };
  /** Leases per (household, flat, date): every one beyond the first is a probable duplicate. */
  private readonly twins = new Map<string, number>();
  private duplicates = 0;
  /** Leases per flat (bailleur, RPLS id) and day, and the days changed since the flags were last settled. */
  private readonly flats = new Map<string, Flat>();
  private readonly changedDays = new Map<string, Set<string>>();
  private flaggedTotal = 0;
  /** Scopes (scopeKey) whose figures moved since the last `takeChangedScopes`. */
  private changed = new Set<string>();

  constructor(
    readonly rules: ComplianceRules,
    readonly epciSiren: string,
    readonly year: number,
  ) {}

  /** A lease version now in force (ignored when signed in another year, as the figures ignore it). */
  add(fact: LeaseFact): void {
    this.apply(fact, 1);
  }

  /** A lease version no longer in force (corrected or cancelled): it must have been added. */
  remove(fact: LeaseFact): void {
    this.apply(fact, -1);
  }

  /**
   * The scopes (`scopeKey(kind, id)`) whose figures moved (a lease added to or removed from one of
   * their populations, a group opened or closed) since the last call, and forgets them.
   */
  takeChangedScopes(): ReadonlySet<string> {
    const changed = this.changed;
    this.changed = new Set();
    return changed;
  }

  private apply(fact: LeaseFact, delta: 1 | -1): void {
    if (yearOf(fact.leaseDate) !== this.year) return;
    const lease = classify(fact, this.rules);
    for (const { objectiveId, scope, rule } of scopesOfLease(lease, this.rules, this.epciSiren, GROUP_BYS)) {
      const key = tallyKey(objectiveId, scope.kind, scope.id);
      let tally = this.tallies.get(key);
      if (!tally) {
        tally = { ...EMPTY_TALLY, perMonth: EMPTY_TALLY.perMonth.map((month) => ({ ...month })) };
        this.tallies.set(key, tally);
      }
      const qualifies = rule.qualifies(lease) ? delta : 0;
      tally.numerator += qualifies;
      tally.denominator += delta;
      tally.perMonth[lease.month - 1]!.numerator += qualifies;
      tally.perMonth[lease.month - 1]!.denominator += delta;
      if (lease.q1 === 'unknown') tally.unknownQ1 += delta;
      if (lease.q1 === 'pending') tally.pendingQ1 += delta;
      if (awaitsThreshold(lease, rule)) tally.awaitingThreshold += delta;
      if (lease.mutation) tally.internalMutations += delta;
      this.changed.add(scopeKey(scope.kind, scope.id));
    }
    const { cia } = this.rules;
    for (const groupBy of GROUP_BYS) for (const key of groupKeys(lease, groupBy, cia)) this.openGroup(groupBy, key, delta);
    const parties = { bailleurId: fact.bailleurId, reservataireId: lease.reservataire };
    this.openGroup('bailleur_reservataire', keyParts(parties.bailleurId, parties.reservataireId), delta, parties);

    this.quality.leases += delta;
    if (lease.q1 === 'unknown') this.quality.unknownQ1 += delta;
    if (lease.q1 === 'pending') this.quality.pendingQ1 += delta;
    if (lease.mutation) this.quality.internalMutations += delta;
    if (fact.calDecisionEventId === null) this.quality.withoutCalDecision += delta;

    if (fact.householdId !== undefined && fact.rplsId !== undefined) {
      const key = JSON.stringify([fact.householdId, fact.rplsId, fact.leaseDate]);
      const before = this.twins.get(key) ?? 0;
      const after = before + delta;
      this.duplicates += Math.max(after - 1, 0) - Math.max(before - 1, 0);
      if (after > 0) this.twins.set(key, after);
      else this.twins.delete(key);
    }
    if (fact.rplsId !== undefined) this.applyToFlat(keyParts(fact.bailleurId, fact.rplsId), fact, delta);
  }

  /** Moves a lease in or out of its flat's day; the flags of the days in its window are settled at the next report. */
  private applyToFlat(key: string, fact: LeaseFact, delta: 1 | -1): void {
    let flat = this.flats.get(key);
    if (!flat) {
      flat = { days: new Map(), dates: [] };
      this.flats.set(key, flat);
    }
    const date = fact.leaseDate;
    let day = flat.days.get(date);
    if (!day) {
      day = { total: 0, households: new Map(), anonymous: 0, flagged: 0 };
      flat.days.set(date, day);
      flat.dates.splice(lowerBound(flat.dates, date), 0, date);
    }
    day.total += delta;
    // Any version with the same date and household is the same to the rule.
    if (fact.householdId === undefined) day.anonymous += delta;
    else {
      const count = (day.households.get(fact.householdId) ?? 0) + delta;
      if (count > 0) day.households.set(fact.householdId, count);
      else day.households.delete(fact.householdId);
    }
    if (day.total <= 0) {
      this.flaggedTotal -= day.flagged;
      flat.days.delete(date);
      flat.dates.splice(lowerBound(flat.dates, date), 1);
    }
    if (!flat.days.size) this.flats.delete(key);
    let days = this.changedDays.get(key);
    if (!days) {
      days = new Set();
      this.changedDays.set(key, days);
    }
    days.add(date);
  }

  private openGroup(kind: ScopeKind, id: string, delta: number, parties?: Group['parties']): void {
    let byId = this.groups.get(kind);
    if (!byId) {
      byId = new Map();
      this.groups.set(kind, byId);
    }
    const group = byId.get(id) ?? { count: 0, ...(parties ? { parties } : {}) };
    const opened = group.count === 0;
    group.count += delta;
    if (group.count > 0) byId.set(id, group);
    else byId.delete(id);
    if (opened || group.count <= 0) {
      this.sortedKeys.delete(kind);
      this.changed.add(scopeKey(kind, id));
    }
  }

  /** The groups of a kind that hold a lease, ordered as the figures list them. */
  private keysOf(kind: ScopeKind): Array<[string, Group]> {
    let sorted = this.sortedKeys.get(kind);
    if (!sorted) {
      sorted = [...(this.groups.get(kind) ?? new Map<string, Group>())].sort(([a], [b]) => a.localeCompare(b));
      this.sortedKeys.set(kind, sorted);
    }
    return sorted;
  }

  /**
   * The leases the flat-leased-twice rule flags (`flatLeasedTwice`): a lease is flagged when the
   * window of ±FLAT_LEASED_TWICE_WINDOW_DAYS around its day holds more leases of its flat than its
   * twins (same household, same day; itself alone without a household). A change on one day moves
   * only the flags of the days within that window, on that flat: only those are settled again.
   */
  private flaggedFlats(): number {
    const window = FLAT_LEASED_TWICE_WINDOW_DAYS;
    for (const [key, changedDays] of this.changedDays) {
      const flat = this.flats.get(key);
      if (!flat) continue;
      let days: Iterable<string> = flat.dates;
      if (changedDays.size <= WHOLE_FLAT_BEYOND) {
        const settle = new Set<string>();
        for (const changed of changedDays) {
          const last = addDays(changed, window);
          for (let i = lowerBound(flat.dates, addDays(changed, -window)); i < flat.dates.length && flat.dates[i]! <= last; i += 1)
            settle.add(flat.dates[i]!);
        }
        days = settle;
      }
      for (const date of days) {
        const day = flat.days.get(date)!;
        const last = addDays(date, window);
        let inWindow = 0;
        for (let i = lowerBound(flat.dates, addDays(date, -window)); i < flat.dates.length && flat.dates[i]! <= last; i += 1)
          inWindow += flat.days.get(flat.dates[i]!)!.total;
        let flagged = inWindow > 1 ? day.anonymous : 0;
        for (const twins of day.households.values()) if (inWindow > twins) flagged += twins;
        this.flaggedTotal += flagged - day.flagged;
        day.flagged = flagged;
      }
    }
    this.changedDays.clear();
    return this.flaggedTotal;
  }

  /**
   * The figures of the leases held, read on a day (YYYY-MM-DD), optionally grouped. `only`: the
   * scopes (`scopeKey`) wanted besides the EPCI's own, as `takeChangedScopes` names them; each
   * objective then lists the EPCI and those of them that hold a lease, with the figures and in the
   * order the whole report gives them (the alert monitor observes only the scopes that moved).
   */
  report(groupBy: GroupBy | undefined, referenceDate: string, only?: ReadonlySet<string>): ComplianceReport {
    const { thresholdPerUc } = this.rules;
    const { epciSiren, year } = this;
    const keysOf = (kind: ScopeKind) =>
      only ? this.keysOf(kind).filter(([key]) => only.has(scopeKey(kind, key))) : this.keysOf(kind);
    const objectives = assembleObjectives(this.rules, epciSiren, groupBy, {
      keys: (kind) => keysOf(kind).map(([key]) => key),
      pairs: () => keysOf('bailleur_reservataire').map(([id, { parties }]) => ({ id, parties: parties! })),
      figure: (objective, scope, target) =>
        figureOf(this.tallies.get(tallyKey(objective.id, scope.kind, scope.id)) ?? EMPTY_TALLY, target, year, referenceDate),
    });
    return {
      epciSiren,
      year,
      groupBy: groupBy ?? null,
      thresholdPerUc: thresholdPerUc ?? null,
      objectives,
      dataQuality: {
        ...this.quality,
        probableDuplicates: this.duplicates,
        flatLeasedTwice: this.flaggedFlats(),
      },
    };
  }
}
