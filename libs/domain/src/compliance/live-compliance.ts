import { yearOf } from '../calendar/paris-calendar.js';
import { keyParts } from '../identity/composite-key.js';
import {
  classify,
  EMPTY_TALLY,
  figureOf,
  flatLeasedTwice,
  GROUP_BYS,
  groupKeys,
  NON_RESERVE,
  OBJECTIVE_LABELS,
  prioTargets,
  scopesOfLease,
  type ComplianceReport,
  type ComplianceRules,
  type GroupBy,
  type LeaseFact,
  type ObjectiveReport,
  type ScopeFigure,
  type ScopeKind,
} from './compliance.js';

interface MutableTally {
  numerator: number;
  denominator: number;
  unknownQ1: number;
  pendingQ1: number;
  internalMutations: number;
  perMonth: Array<{ numerator: number; denominator: number }>;
}

interface Group {
  count: number;
  readonly parties?: { readonly bailleurId: string; readonly reservataireId: string };
}

type FlatLease = Pick<LeaseFact, 'leaseDate' | 'bailleurId' | 'rplsId' | 'householdId'>;

const tallyKey = (objectiveId: string, kind: ScopeKind, id: string) => `${objectiveId}\u0000${kind}\u0000${id}`;

/**
 * The figures of one EPCI and year under fixed rules, kept up to date lease by lease: each lease
 * version added or removed moves the tallies of the scopes it counts in (per objective, per scope,
 * per month), the groups it opens, the data-quality counts and the flags of its flat. A report
 * reads the tallies instead of classifying every lease again, and gives exactly what
 * `evaluateCompliance` gives for the leases held (same figures, same order; a property test holds
 * it to that). A business-date cut (`signedUntil`) or other rules need a new one.
 */
export class LiveCompliance {
  private readonly tallies = new Map<string, MutableTally>();
  private readonly groups = new Map<ScopeKind, Map<string, Group>>();
  private readonly quality = { leases: 0, unknownQ1: 0, pendingQ1: 0, internalMutations: 0, withoutCalDecision: 0 };
  /** Leases per (household, flat, date): every one beyond the first is a probable duplicate. */
  private readonly twins = new Map<string, number>();
  private duplicates = 0;
  /** Leases per flat (bailleur, RPLS id), and how many of them the flat-leased-twice rule flags. */
  private readonly flats = new Map<string, FlatLease[]>();
  private readonly flagged = new Map<string, number>();
  private readonly dirtyFlats = new Set<string>();
  private flaggedTotal = 0;

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
      if (lease.mutation) tally.internalMutations += delta;
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
    if (fact.rplsId !== undefined) {
      const key = keyParts(fact.bailleurId, fact.rplsId);
      const flat = this.flats.get(key) ?? [];
      // Only what the rule reads: a live EPCI-year holds many of these.
      if (delta > 0)
        flat.push({ leaseDate: fact.leaseDate, bailleurId: fact.bailleurId, rplsId: fact.rplsId, householdId: fact.householdId });
      else {
        // Any version with the same date and household is the same to the rule.
        const index = flat.findIndex((f) => f.leaseDate === fact.leaseDate && f.householdId === fact.householdId);
        if (index >= 0) flat.splice(index, 1);
      }
      if (flat.length) this.flats.set(key, flat);
      else this.flats.delete(key);
      this.dirtyFlats.add(key);
    }
  }

  private openGroup(kind: ScopeKind, id: string, delta: number, parties?: Group['parties']): void {
    let byId = this.groups.get(kind);
    if (!byId) {
      byId = new Map();
      this.groups.set(kind, byId);
    }
    const group = byId.get(id) ?? { count: 0, ...(parties ? { parties } : {}) };
    group.count += delta;
    if (group.count > 0) byId.set(id, group);
    else byId.delete(id);
  }

  /** The groups of a kind that hold a lease, ordered as the figures list them. */
  private keysOf(kind: ScopeKind): Array<[string, Group]> {
    return [...(this.groups.get(kind) ?? new Map<string, Group>())].sort(([a], [b]) => a.localeCompare(b));
  }

  private flaggedFlats(): number {
    for (const key of this.dirtyFlats) {
      const flat = this.flats.get(key) ?? [];
      const count = flat.length < 2 ? 0 : flatLeasedTwice(flat).filter(Boolean).length;
      this.flaggedTotal += count - (this.flagged.get(key) ?? 0);
      if (count) this.flagged.set(key, count);
      else this.flagged.delete(key);
    }
    this.dirtyFlats.clear();
    return this.flaggedTotal;
  }

  /** The figures of the leases held, read on a day (YYYY-MM-DD), optionally grouped. */
  report(groupBy: GroupBy | undefined, referenceDate: string): ComplianceReport {
    const { cia, thresholdPerUc } = this.rules;
    const { epciSiren, year } = this;
    const figure = (objectiveId: string, kind: ScopeKind, id: string, target: number | null) =>
      figureOf(this.tallies.get(tallyKey(objectiveId, kind, id)) ?? EMPTY_TALLY, target, year, referenceDate);
    const scoped = (objectiveId: string, target: number | null): ScopeFigure[] => [
      { scope: { kind: 'epci', id: epciSiren }, figure: figure(objectiveId, 'epci', epciSiren, target) },
      ...(groupBy
        ? this.keysOf(groupBy).map(([key]) => ({
            scope: { kind: groupBy, id: key },
            figure: figure(objectiveId, groupBy, key, target),
          }))
        : []),
    ];
    const objectives: ObjectiveReport[] = [
      {
        id: 'HQ1',
        label: OBJECTIVE_LABELS.HQ1,
        target: cia.objectives.hq1.target,
        scopes: scoped('HQ1', cia.objectives.hq1.target),
      },
      {
        id: 'QNQ1',
        label: OBJECTIVE_LABELS.QNQ1,
        target: cia.objectives.qnq1.target,
        scopes: scoped('QNQ1', cia.objectives.qnq1.target),
      },
    ];
    const prio = prioTargets(cia, this.rules.reservataireKinds ?? {});
    const prioScopes: ScopeFigure[] = [
      { scope: { kind: 'epci', id: epciSiren }, figure: figure('PRIO', 'epci', epciSiren, prio.information('epci')) },
    ];
    if (groupBy && groupBy !== 'reservataire') {
      for (const [key] of this.keysOf(groupBy)) {
        prioScopes.push({ scope: { kind: groupBy, id: key }, figure: figure('PRIO', groupBy, key, prio.information(groupBy)) });
      }
    }
    for (const [key] of this.keysOf('reservataire')) {
      prioScopes.push({
        scope: { kind: 'reservataire', id: key },
        figure: figure('PRIO', 'reservataire', key, key === NON_RESERVE ? null : prio.ofReservataire(key)),
      });
    }
    for (const [id, { parties }] of this.keysOf('bailleur_reservataire')) {
      prioScopes.push({
        scope: { kind: 'bailleur_reservataire', id, parties: parties! },
        figure: figure('PRIO', 'bailleur_reservataire', id, prio.ofReservataire(parties!.reservataireId)),
      });
    }
    objectives.push({ id: 'PRIO', label: OBJECTIVE_LABELS.PRIO, target: prio.information('epci'), scopes: prioScopes });
    if (cia.objectives.anru.target !== null) {
      objectives.push({
        id: 'ANRU',
        label: OBJECTIVE_LABELS.ANRU,
        target: cia.objectives.anru.target,
        scopes: scoped('ANRU', cia.objectives.anru.target),
      });
    }
    for (const territorial of cia.territorialObjectives) {
      const id = `TERR:${territorial.id}`;
      objectives.push({
        id,
        label: territorial.label,
        target: territorial.target,
        scopes: [{ scope: { kind: 'epci', id: epciSiren }, figure: figure(id, 'epci', epciSiren, territorial.target) }],
      });
    }
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
