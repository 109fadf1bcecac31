import fc from 'fast-check';
import { applyCiaTerms, legalDefaultCia, type Cia } from '../cia/cia.model.js';
import {
  EMPTY_TALLY,
  evaluateCompliance,
  evaluateComplianceGroupings,
  totalsOf,
  type ComplianceReport,
  type ComplianceRules,
  type LeaseFact,
} from './compliance.js';
import { LiveCompliance } from './live-compliance.js';
import { changeBetween, changeInPoints, SIMULATION_GROUP_BYS, simulateAttribution, simulationBase } from './simulation.js';
import { arbitraryFactUntil } from '../../../../test/fixtures/compliance-arbitraries.js';
import { NO_HOUSEHOLD_FLAGS } from '../attribution/attribution.events.js';

const MEL = '200093201';
const defaults = legalDefaultCia(MEL, 2026);
const withEverything: Cia = applyCiaTerms(defaults, {
  objectives: {
    qnq1: { target: 0.55 },
    prio: { byReservataire: { mel: 0.4 }, scopeTargets: { bailleur: 0.2 } },
    anru: { target: 0.5 },
  },
  options: { includeInternalMutations: { hq1: false } },
  sectors: [
    { id: 'roubaix', name: 'Roubaix', communes: ['59512'], qpvs: [] },
    { id: 'qpv-sud', name: 'Lille Sud', communes: [], qpvs: ['QN05901M'] },
  ],
  territorialObjectives: [
    { id: 'roubaix-hq1', label: 'HQ1 à Roubaix', objective: 'HQ1', target: 0.4, filter: { sectorId: 'roubaix' } },
  ],
});
const kinds = { 'etat-59': 'etat', 'action-logement': 'action_logement', mel: 'collectivite' } as const;

const reportsOf = (facts: readonly LeaseFact[], rules: ComplianceRules, referenceDate: string): ComplianceReport[] =>
  SIMULATION_GROUP_BYS.map((groupBy) => evaluateCompliance(facts, rules, { epciSiren: MEL, year: 2026, groupBy, referenceDate }));

/** A scope's figure in the reports, without its monthly trajectory (as a simulation shows it). */
const figureIn = (reports: readonly ComplianceReport[], objective: string, kind: string, id: string) => {
  for (const report of reports) {
    const found = report.objectives
      .find((o) => o.id === objective)
      ?.scopes.find((s) => s.scope.kind === kind && s.scope.id === id);
    if (found) {
      const { monthly: _monthly, ...totals } = found.figure;
      return totals;
    }
  }
  return undefined;
};

/** Every (objective, scope) of a set of reports with its figure, keyed. */
const everyScope = (reports: readonly ComplianceReport[]) => {
  const all = new Map<string, unknown>();
  for (const report of reports)
    for (const objective of report.objectives)
      for (const { scope, figure } of objective.scopes) all.set(`${objective.id}|${scope.kind}|${scope.id}`, figure);
  return all;
};

const REFERENCE_DAY = 300; // 2026-10-27
const referenceDate = '2026-10-27';

describe('Simulating an attribution (properties)', () => {
  it('gives, for every scope it moves, exactly the figure the compliance read gives once the lease is signed, and moves no other', () => {
    fc.assert(
      fc.property(
        fc.array(arbitraryFactUntil(REFERENCE_DAY), { maxLength: 80 }),
        arbitraryFactUntil(REFERENCE_DAY),
        fc.option(fc.integer({ min: 5_000, max: 20_000 }), { nil: undefined }),
        fc.constantFrom(defaults, withEverything),
        (facts, candidate, thresholdPerUc, cia) => {
          const rules: ComplianceRules = { cia, thresholdPerUc, reservataireKinds: kinds };
          const before = reportsOf(facts, rules, referenceDate);
          const simulation = simulateAttribution(
            simulationBase({ reports: before, rules, epciSiren: MEL, year: 2026, referenceDate }),
            candidate,
          );
          const signed = reportsOf([...facts, candidate], rules, referenceDate);
          for (const { objective, scope, before: b, after } of simulation.scopes) {
            expect(after).toEqual(figureIn(signed, objective, scope.kind, scope.id));
            const previous = figureIn(before, objective, scope.kind, scope.id);
            if (previous) expect(b).toEqual(previous);
            else expect(b.denominator).toBe(0);
            expect(after.denominator).toBe(b.denominator + 1);
          }
          // Completeness: every figure that moved is among the simulated scopes (a group the lease
          // opens outside an objective's population shows an empty figure).
          const simulated = new Set(simulation.scopes.map((s) => `${s.objective}|${s.scope.kind}|${s.scope.id}`));
          const was = everyScope(before);
          for (const [key, figure] of everyScope(signed)) {
            if (simulated.has(key)) continue;
            if (was.has(key)) expect({ key, figure }).toEqual({ key, figure: was.get(key) });
            else expect({ key, denominator: (figure as { denominator: number }).denominator }).toEqual({ key, denominator: 0 });
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('gives from the live running counts (one lease added to the scopes it touches) what a full recompute gives with the lease, on any EPCI-year and candidates', () => {
    fc.assert(
      fc.property(
        fc.array(arbitraryFactUntil(REFERENCE_DAY), { maxLength: 80 }),
        fc.array(fc.boolean(), { maxLength: 80 }),
        fc.array(arbitraryFactUntil(REFERENCE_DAY), { minLength: 1, maxLength: 10 }),
        fc.option(fc.integer({ min: 5_000, max: 20_000 }), { nil: undefined }),
        fc.constantFrom(defaults, withEverything),
        (facts, removed, candidates, thresholdPerUc, cia) => {
          const rules: ComplianceRules = { cia, thresholdPerUc, reservataireKinds: kinds };
          // The EPCI-year as the API holds it: lease versions added, some withdrawn (corrected or cancelled).
          const live = new LiveCompliance(rules, MEL, 2026);
          for (const fact of facts) live.add(fact);
          const inForce = facts.filter((fact, i) => {
            if (!removed[i]) return true;
            live.remove(fact);
            return false;
          });
          const base = simulationBase({
            reports: SIMULATION_GROUP_BYS.map((groupBy) => live.report(groupBy, referenceDate)),
            rules,
            epciSiren: MEL,
            year: 2026,
            referenceDate,
          });
          const recomputed = reportsOf(inForce, rules, referenceDate);
          for (const candidate of candidates) {
            const { scopes } = simulateAttribution(base, candidate);
            const withLease = reportsOf([...inForce, candidate], rules, referenceDate);
            for (const { objective, scope, before, after, changePoints, crossing } of scopes) {
              const expectedBefore = figureIn(recomputed, objective, scope.kind, scope.id);
              const expectedAfter = figureIn(withLease, objective, scope.kind, scope.id)!;
              expect({ objective, scope, before }).toEqual({
                objective,
                scope,
                // A scope the EPCI-year has no lease in yet starts from an empty population under the scope's target.
                before: expectedBefore ?? totalsOf(EMPTY_TALLY, expectedAfter.target, 2026, referenceDate),
              });
              expect({ objective, scope, after }).toEqual({ objective, scope, after: expectedAfter });
              expect({ changePoints, crossing }).toEqual(changeBetween(before, expectedAfter));
            }
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('reads the figures it starts from in one pass: each grouping’s report is the one evaluateCompliance gives', () => {
    fc.assert(
      fc.property(
        fc.array(arbitraryFactUntil(REFERENCE_DAY), { maxLength: 60 }),
        fc.option(fc.integer({ min: 5_000, max: 20_000 }), { nil: undefined }),
        fc.constantFrom(defaults, withEverything),
        (facts, thresholdPerUc, cia) => {
          const rules: ComplianceRules = { cia, thresholdPerUc, reservataireKinds: kinds };
          const groupBys = [undefined, ...SIMULATION_GROUP_BYS, 'commune' as const];
          expect(evaluateComplianceGroupings(facts, rules, { epciSiren: MEL, year: 2026, referenceDate }, groupBys)).toEqual(
            groupBys.map((groupBy) =>
              evaluateCompliance(facts, rules, { epciSiren: MEL, year: 2026, referenceDate, ...(groupBy ? { groupBy } : {}) }),
            ),
          );
        },
      ),
      { numRuns: 100 },
    );
  });

  it('reads the candidate as the rules will count it', () => {
    const candidate: LeaseFact = {
      leaseDate: '2026-03-02',
      bailleurId: 'lmh',
      reservataireId: 'action-logement',
      communeInsee: '59350',
      qpvCode: null,
      composition: { personsAged14OrMore: 1, childrenUnder14: 2 },
      yearlyResources: 9_800,
      flags: { ...NO_HOUSEHOLD_FLAGS, dalo: true },
    };
    const rules: ComplianceRules = { cia: defaults, thresholdPerUc: 10_000 };
    const base = simulationBase({
      reports: reportsOf([], rules, referenceDate),
      rules,
      epciSiren: MEL,
      year: 2026,
      referenceDate,
    });
    const { reading, scopes } = simulateAttribution(base, candidate);
    // 9 800 € for 1.6 UC = 6 125 €/UC < 10 000: first quartile.
    expect(reading).toEqual({
      q1: 'q1',
      inQpv: false,
      priority: true,
      reloge: false,
      internalMutation: false,
      consumptionUnits: 1.6,
      resourcesPerUc: 6_125,
      countsFor: 'action-logement',
    });
    // Outside QPV: HQ1 (EPCI, bailleur, réservataire, hors secteur) and PRIO (EPCI, bailleur, hors secteur, réservataire, pair).
    expect(scopes.map((s) => `${s.objective} ${s.scope.kind} ${s.scope.id}`)).toEqual([
      'HQ1 epci 200093201',
      'HQ1 bailleur lmh',
      'HQ1 reservataire action-logement',
      'HQ1 secteur hors_secteur',
      'PRIO epci 200093201',
      'PRIO bailleur lmh',
      'PRIO secteur hors_secteur',
      'PRIO reservataire action-logement',
      'PRIO bailleur_reservataire lmh:action-logement',
    ]);
    const hq1 = scopes[0]!;
    expect([hq1.before.status, hq1.after.status, hq1.after.rate, hq1.crossing]).toEqual([
      'non_evaluable',
      'atteint',
      1,
      'vers_atteint',
    ]);
    // Another household the rules read alike moves the same scopes alike: the same list, shared; one
    // above the first quartile moves HQ1 otherwise (its own list) and PRIO alike (the same scopes).
    const twin = simulateAttribution(base, { ...candidate, yearlyResources: 9_000 });
    expect(twin.scopes).toBe(scopes);
    expect(twin.reading.resourcesPerUc).toBe(5_625);
    const richer = simulateAttribution(base, { ...candidate, yearlyResources: 30_000 });
    expect(richer.scopes).not.toBe(scopes);
    expect(richer.scopes[0]!.after).toMatchObject({ numerator: 0, denominator: 1, status: 'en_retard' });
    expect(richer.scopes[4]).toBe(scopes[4]);
  });

  it('says when a figure crosses its target, and by how many points it moves', () => {
    expect(changeBetween({ rate: 0.24, status: 'en_retard', target: 0.25 }, { rate: 0.26, status: 'atteint' })).toEqual({
      changePoints: 2,
      crossing: 'vers_atteint',
    });
    expect(changeBetween({ rate: 0.25, status: 'atteint', target: 0.25 }, { rate: 0.24, status: 'en_retard' }).crossing).toBe(
      'vers_en_retard',
    );
    expect(changeBetween({ rate: 0.3, status: 'non_evaluable', target: null }, { rate: 0.4, status: 'non_evaluable' })).toEqual({
      changePoints: 10,
      crossing: null,
    });
    expect(changeBetween({ rate: null, status: 'non_evaluable', target: 0.25 }, { rate: null, status: 'non_evaluable' })).toEqual(
      {
        changePoints: null,
        crossing: null,
      },
    );
  });

  it('gives the change in thousandths of a point, so one lease among 16 000 still shows', () => {
    // 4 000 of 16 000 (25 %), then 4 001 of 16 001: +0.004 687… points.
    expect(changeInPoints(4_000 / 16_000, 4_001 / 16_001)).toBe(0.005);
    // 4 000 of 16 001: −0.001 562… points.
    expect(changeInPoints(4_000 / 16_000, 4_000 / 16_001)).toBe(-0.002);
    // 0.24 → 0.26 is 2.000…0002 points in floating point: exactly 2.
    expect(changeInPoints(0.24, 0.26)).toBe(2);
    expect(changeInPoints(1 / 3, 1 / 3)).toBe(0);
    expect(changeInPoints(null, 0.5)).toBeNull();
  });
});
