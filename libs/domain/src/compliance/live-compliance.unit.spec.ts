import fc from 'fast-check';
import { applyCiaTerms, legalDefaultCia, type Cia } from '../cia/cia.model.js';
import { evaluateCompliance, GROUP_BYS, type ComplianceRules, type LeaseFact, type ScopeKind } from './compliance.js';
import { LiveCompliance, scopeKey } from './live-compliance.js';
import { arbitraryFact } from '../../../../test/fixtures/compliance-arbitraries.js';

const MEL = '200093201';
const defaults = legalDefaultCia(MEL, 2026);
const withEverything: Cia = applyCiaTerms(defaults, {
  objectives: {
    qnq1: { target: 0.55 },
    prio: { byReservataire: { mel: 0.4 }, scopeTargets: { bailleur: 0.2, commune: 0.3 } },
    anru: { target: 0.5 },
  },
  options: { includeInternalMutations: { hq1: false, prio: true } },
  sectors: [
    { id: 'roubaix', name: 'Roubaix', communes: ['59512'], qpvs: [] },
    { id: 'qpv-sud', name: 'Lille Sud', communes: [], qpvs: ['QN05901M'] },
  ],
  territorialObjectives: [
    { id: 'roubaix-hq1', label: 'HQ1 à Roubaix', objective: 'HQ1', target: 0.4, filter: { sectorId: 'roubaix' } },
    { id: 'lmh-prio', label: 'PRIO chez LMH', objective: 'PRIO', target: 0.3, filter: { bailleurId: 'lmh' } },
  ],
});
const kinds = { 'etat-59': 'etat', 'action-logement': 'action_logement', mel: 'collectivite' } as const;

/** A lease of the arbitrary, with the links data quality reads (few households and flats, so they collide), some signed in 2025. */
const arbitraryLease: fc.Arbitrary<LeaseFact> = fc
  .tuple(
    arbitraryFact,
    fc.option(fc.constantFrom('h1', 'h2', 'h3'), { nil: undefined }),
    fc.option(fc.constantFrom('R1', 'R2', 'R3'), { nil: undefined }),
    fc.constantFrom<string | null | undefined>(null, 'cal-1', undefined),
    fc.integer({ min: 0, max: 9 }),
  )
  .map(([fact, householdId, rplsId, calDecisionEventId, lastYear]) => ({
    ...fact,
    leaseDate: lastYear === 0 ? `2025${fact.leaseDate.slice(4)}` : fact.leaseDate,
    ...(householdId ? { householdId } : {}),
    ...(rplsId ? { rplsId } : {}),
    ...(calDecisionEventId !== undefined ? { calDecisionEventId } : {}),
  }));

const referenceDates = fc.constantFrom('2025-12-31', '2026-01-01', '2026-03-15', '2026-10-27', '2026-12-31', '2027-02-01');

describe('Live compliance figures kept lease by lease', () => {
  it('give exactly the figures evaluateCompliance computes from the leases in force, after any additions and removals', () => {
    fc.assert(
      fc.property(
        fc.array(arbitraryLease, { maxLength: 60 }),
        fc.array(fc.boolean(), { maxLength: 60 }),
        fc.array(arbitraryLease, { maxLength: 20 }),
        fc.option(fc.integer({ min: 5_000, max: 20_000 }), { nil: undefined }),
        fc.constantFrom(defaults, withEverything),
        fc.constantFrom(undefined, ...GROUP_BYS),
        referenceDates,
        (facts, removed, later, thresholdPerUc, cia, groupBy, referenceDate) => {
          const rules: ComplianceRules = { cia, thresholdPerUc, reservataireKinds: kinds };
          const live = new LiveCompliance(rules, MEL, 2026);
          for (const fact of facts) live.add(fact);
          // A report in between leaves nothing behind (the flats it settles are settled again later).
          live.report(groupBy, referenceDate);
          const inForce = facts.filter((fact, i) => {
            if (!removed[i]) return true;
            live.remove(fact);
            return false;
          });
          for (const fact of later) live.add(fact);
          const expected = evaluateCompliance([...inForce, ...later], rules, {
            epciSiren: MEL,
            year: 2026,
            referenceDate,
            ...(groupBy ? { groupBy } : {}),
          });
          const actual = live.report(groupBy, referenceDate);
          expect(actual).toEqual(expected);
          // Byte for byte: an answer served from the tallies is the answer the recompute serves.
          expect(JSON.stringify(actual)).toBe(JSON.stringify(expected));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('give the recomputed figures after every step of any sequence of additions, removals and reads, and name every scope whose figure moved', () => {
    // Leases crowded into a few weeks on few flats: windows of the flat-leased-twice rule overlap,
    // and a change settles only the days within its window.
    // (Days ten apart: leases exactly at the window's edge, 30 days apart, are frequent.)
    const crowded = fc.tuple(arbitraryLease, fc.integer({ min: 0, max: 24 })).map(([fact, tens]) => ({
      ...fact,
      bailleurId: 'lmh',
      rplsId: 'R1',
      leaseDate: new Date(Date.UTC(2026, 4, 1 + 10 * tens)).toISOString().slice(0, 10),
    }));
    const step = fc.oneof(
      fc.record({ add: fc.oneof(arbitraryLease, crowded) }),
      fc.record({ remove: fc.nat() }),
      fc.record({ read: fc.constant(true) }),
    );
    fc.assert(
      fc.property(
        fc.array(step, { maxLength: 80 }),
        fc.constantFrom(defaults, withEverything),
        fc.constantFrom(undefined, ...GROUP_BYS),
        referenceDates,
        (steps, cia, groupBy, referenceDate) => {
          const rules: ComplianceRules = { cia, thresholdPerUc: 10_000, reservataireKinds: kinds };
          const live = new LiveCompliance(rules, MEL, 2026);
          const held: LeaseFact[] = [];
          const query = { epciSiren: MEL, year: 2026, referenceDate, ...(groupBy ? { groupBy } : {}) };
          const figures = (report: ReturnType<typeof evaluateCompliance>) =>
            new Map(
              report.objectives.flatMap((objective) =>
                objective.scopes.map(({ scope, figure }) => [`${objective.id}/${scopeKey(scope.kind, scope.id)}`, figure]),
              ),
            );
          let before = figures(live.report(groupBy, referenceDate));
          live.takeChangedScopes();
          for (const next of [...steps, { read: true as const }]) {
            if ('add' in next) {
              live.add(next.add);
              held.push(next.add);
            } else if ('remove' in next) {
              if (!held.length) continue;
              const [fact] = held.splice(next.remove % held.length, 1);
              live.remove(fact!);
            } else {
              const changed = live.takeChangedScopes();
              // The report of the changed scopes only: the whole report's figures for them, in its order.
              const partial = live.report(groupBy, referenceDate, changed);
              const actual = live.report(groupBy, referenceDate);
              expect(JSON.stringify(actual)).toBe(JSON.stringify(evaluateCompliance(held, rules, query)));
              const wanted = (scope: { kind: ScopeKind; id: string }) =>
                scope.kind === 'epci' || changed.has(scopeKey(scope.kind, scope.id));
              expect(partial).toEqual({
                ...actual,
                objectives: actual.objectives.map((objective) => ({
                  ...objective,
                  scopes: objective.scopes.filter(({ scope }) => wanted(scope)),
                })),
              });
              const after = figures(actual);
              for (const key of new Set([...before.keys(), ...after.keys()])) {
                if (JSON.stringify(before.get(key)) !== JSON.stringify(after.get(key)))
                  expect(changed).toContain(key.slice(key.indexOf('/') + 1));
              }
              before = after;
            }
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('count a flat leased twice and a probable duplicate only while both leases are in force', () => {
    const first: LeaseFact = {
      leaseDate: '2026-03-02',
      bailleurId: 'lmh',
      reservataireId: null,
      communeInsee: '59350',
      qpvCode: null,
      composition: { personsAged14OrMore: 1, childrenUnder14: 0 },
      yearlyResources: 10_000,
      flags: {
        dalo: false,
        priorityCategory: null,
        relogeRenouvellementUrbain: false,
        relogeCoproDegradee: false,
        internalMutation: false,
        interBailleurMobility: false,
        publicAgent: false,
      },
      householdId: 'h1',
      rplsId: 'R1',
    };
    const nextWeek = { ...first, leaseDate: '2026-03-09', householdId: 'h2' };
    const live = new LiveCompliance({ cia: defaults, thresholdPerUc: 9_000 }, MEL, 2026);
    live.add(first);
    live.add(nextWeek);
    live.add({ ...first });
    expect(live.report(undefined, '2026-06-30').dataQuality).toMatchObject({
      leases: 3,
      probableDuplicates: 1,
      flatLeasedTwice: 3,
    });
    live.remove(nextWeek);
    expect(live.report(undefined, '2026-06-30').dataQuality).toMatchObject({
      leases: 2,
      probableDuplicates: 1,
      flatLeasedTwice: 0,
    });
    live.remove(first);
    expect(live.report(undefined, '2026-06-30').dataQuality).toMatchObject({
      leases: 1,
      probableDuplicates: 0,
      flatLeasedTwice: 0,
    });
  });
});
