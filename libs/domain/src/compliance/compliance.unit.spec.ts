import fc from 'fast-check';
import { applyCiaTerms, legalDefaultCia } from '../cia/cia.model.js';
import { evaluateCompliance, flatLeasedTwice, leaseFactOf, type ComplianceReport, type LeaseFact } from './compliance.js';
import { EXPECTED, FIXTURE_LEASES, MEL, REFERENCE_DATE, THRESHOLD_2026 } from '../../../../test/fixtures/compliance-mel-2026.js';
import { arbitraryFact } from '../../../../test/fixtures/compliance-arbitraries.js';

const toFact = leaseFactOf;

const defaults = legalDefaultCia(MEL, 2026);
const query = { epciSiren: MEL, year: 2026, referenceDate: REFERENCE_DATE };
const objective = (report: ComplianceReport, id: string) => report.objectives.find((o) => o.id === id)!;
const epciFigure = (report: ComplianceReport, id: string) =>
  objective(report, id).scopes.find((s) => s.scope.kind === 'epci')!.figure;
const scopeFigure = (report: ComplianceReport, id: string, kind: string, scope: string) =>
  objective(report, id).scopes.find((s) => s.scope.kind === kind && s.scope.id === scope)!.figure;

describe('Compliance of an EPCI over a year (hand-computed fixture)', () => {
  const facts = FIXTURE_LEASES.map(toFact);
  const report = evaluateCompliance(facts, { cia: defaults, thresholdPerUc: THRESHOLD_2026 }, query);

  it('HQ1: Q1 (strictly below the threshold) or relogés RU among leases outside QPV', () => {
    expect(epciFigure(report, 'HQ1')).toMatchObject({ ...EXPECTED.HQ1, target: 0.25, rate: 4 / 7 });
  });

  it('QNQ1: non-Q1 among leases in QPV, unknown resources in the denominator only', () => {
    expect(epciFigure(report, 'QNQ1')).toMatchObject({ ...EXPECTED.QNQ1, target: 0.5, rate: 0.4 });
    expect(epciFigure(report, 'QNQ1').gap).toBeCloseTo(-0.1, 10);
  });

  it('PRIO: per réservataire, internal mutations on the non-réservé side', () => {
    expect(epciFigure(report, 'PRIO')).toMatchObject(EXPECTED.PRIO);
    for (const [reservataire, expected] of Object.entries(EXPECTED.PRIO_BY_RESERVATAIRE)) {
      expect(scopeFigure(report, 'PRIO', 'reservataire', reservataire)).toMatchObject(expected);
    }
  });

  it('gives the monthly trajectory, cumulative from January to the reference month', () => {
    expect(epciFigure(report, 'HQ1').monthly.map((m) => [m.numerator, m.denominator])).toEqual(EXPECTED.HQ1_MONTHLY);
    expect(epciFigure(report, 'HQ1').monthly.at(-1)!.month).toBe('2026-11');
  });

  it('reports data quality', () => {
    expect(report.dataQuality).toEqual(EXPECTED.DATA_QUALITY);
  });

  it('counts a lease repeating another one’s household, flat and date under another reference as a probable duplicate', () => {
    const [first] = FIXTURE_LEASES;
    const again = toFact({ ...first!, leaseId: 'L-AGAIN', caseId: 'C-AGAIN' });
    const linked = { ...toFact(FIXTURE_LEASES[1]!), calDecisionEventId: 'ev-cal-1' };
    const withDuplicate = evaluateCompliance(
      [...facts.filter((_, i) => i !== 1), linked, again],
      { cia: defaults, thresholdPerUc: THRESHOLD_2026 },
      query,
    );
    expect(withDuplicate.dataQuality).toMatchObject({
      leases: facts.length + 1,
      probableDuplicates: 1,
      withoutCalDecision: facts.length,
    });
  });

  it('counts only the leases signed up to signedUntil, and reads the figures for that day', () => {
    const june = evaluateCompliance(
      facts,
      { cia: defaults, thresholdPerUc: THRESHOLD_2026 },
      { ...query, signedUntil: '2026-06-30' },
    );
    expect(june.dataQuality.leases).toBe(facts.filter((fact) => fact.leaseDate <= '2026-06-30').length);
    expect(epciFigure(june, 'HQ1').monthly.at(-1)!.month).toBe('2026-06');
  });

  it('splits by bailleur', () => {
    const byBailleur = evaluateCompliance(
      facts,
      { cia: defaults, thresholdPerUc: THRESHOLD_2026 },
      { ...query, groupBy: 'bailleur' },
    );
    for (const [bailleur, expected] of Object.entries(EXPECTED.HQ1_BY_BAILLEUR)) {
      expect(scopeFigure(byBailleur, 'HQ1', 'bailleur', bailleur)).toMatchObject(expected);
    }
    for (const [bailleur, expected] of Object.entries(EXPECTED.QNQ1_BY_BAILLEUR)) {
      expect(scopeFigure(byBailleur, 'QNQ1', 'bailleur', bailleur)).toMatchObject(expected);
    }
  });

  it('keeps Q1 leases pending while no threshold is published; a relogé RU counts anyway', () => {
    const pending = evaluateCompliance(facts, { cia: defaults, thresholdPerUc: undefined }, query);
    expect(epciFigure(pending, 'HQ1')).toMatchObject(EXPECTED.PENDING.HQ1);
    expect(epciFigure(pending, 'QNQ1')).toMatchObject(EXPECTED.PENDING.QNQ1);
  });

  it('does not say a figure is behind while the leases awaiting the threshold could still lift it to its target', () => {
    const pending = evaluateCompliance(facts, { cia: defaults, thresholdPerUc: undefined }, query);
    // HQ1: 1 of 7 (the relogé RU), 5 households awaiting the threshold: 6 of 7 could be Q1, above 25 %.
    expect(epciFigure(pending, 'HQ1')).toMatchObject({
      numerator: 1,
      denominator: 7,
      awaitingThreshold: 5,
      status: 'non_evaluable',
      // Nor out of reach: those 5 may qualify.
      reachable: true,
    });
    // QNQ1: 0 of 5, 4 awaiting: 4 of 5 could be non-Q1, above 50 %.
    expect(epciFigure(pending, 'QNQ1')).toMatchObject({
      numerator: 0,
      denominator: 5,
      awaitingThreshold: 4,
      status: 'non_evaluable',
    });
    // PRIO does not look at Q1: nothing awaits the threshold there.
    for (const { figure } of objective(pending, 'PRIO').scopes) expect(figure.awaitingThreshold).toBe(0);
    // Once the threshold is published, the statuses of the fixture.
    expect(epciFigure(report, 'HQ1')).toMatchObject({ awaitingThreshold: 0, status: 'atteint' });
  });

  describe('PRIO, an obligation of each réservataire and of each bailleur’s non-réservé stock', () => {
    const kinds = { 'etat-59': 'etat', 'action-logement': 'action_logement', mel: 'collectivite' } as const;
    const withKinds = evaluateCompliance(
      facts,
      { cia: defaults, thresholdPerUc: THRESHOLD_2026, reservataireKinds: kinds },
      query,
    );

    it('gives collectivités and Action Logement the default 25 %, and the État none', () => {
      expect(scopeFigure(withKinds, 'PRIO', 'reservataire', 'action-logement')).toMatchObject({
        target: 0.25,
        status: 'atteint',
      });
      expect(scopeFigure(withKinds, 'PRIO', 'reservataire', 'mel')).toMatchObject({ target: 0.25, status: 'atteint' });
      expect(scopeFigure(withKinds, 'PRIO', 'reservataire', 'etat-59')).toMatchObject({
        numerator: 1,
        denominator: 2,
        target: null,
        status: 'non_evaluable',
        neededToTarget: null,
      });
    });

    it('shows each bailleur × réservataire, and each bailleur’s own non-réservé stock with its target', () => {
      for (const [id, expected] of Object.entries(EXPECTED.PRIO_BY_BAILLEUR_RESERVATAIRE))
        expect(scopeFigure(withKinds, 'PRIO', 'bailleur_reservataire', id)).toMatchObject(expected);
      // lmh fails on its own stock (0 of 3), which the non-réservé total across bailleurs would hide.
      expect(scopeFigure(withKinds, 'PRIO', 'bailleur_reservataire', 'lmh:non_reserve')).toMatchObject({
        target: 0.25,
        status: 'en_retard',
      });
      expect(scopeFigure(withKinds, 'PRIO', 'bailleur_reservataire', 'vilogia:etat-59').target).toBeNull();
      expect(scopeFigure(withKinds, 'PRIO', 'reservataire', 'non_reserve')).toMatchObject({
        target: null,
        status: 'non_evaluable',
      });
      const pair = objective(withKinds, 'PRIO').scopes.find((s) => s.scope.id === 'lmh:non_reserve')!.scope;
      expect(pair.parties).toEqual({ bailleurId: 'lmh', reservataireId: 'non_reserve' });
    });

    it('keeps EPCI-wide, per-bailleur and per-sector PRIO as information, unless the CIA sets a target there', () => {
      const byBailleur = evaluateCompliance(
        facts,
        { cia: defaults, thresholdPerUc: THRESHOLD_2026 },
        { ...query, groupBy: 'bailleur' },
      );
      expect(epciFigure(byBailleur, 'PRIO')).toMatchObject({ target: null, status: 'non_evaluable' });
      expect(scopeFigure(byBailleur, 'PRIO', 'bailleur', 'lmh')).toMatchObject({ numerator: 2, denominator: 6, target: null });
      const cia = applyCiaTerms(defaults, { objectives: { prio: { scopeTargets: { epci: 0.3, bailleur: 0.2 } } } });
      const set = evaluateCompliance(facts, { cia, thresholdPerUc: THRESHOLD_2026 }, { ...query, groupBy: 'bailleur' });
      expect(epciFigure(set, 'PRIO')).toMatchObject({ target: 0.3, status: 'en_retard' });
      expect(scopeFigure(set, 'PRIO', 'bailleur', 'lmh')).toMatchObject({ target: 0.2, status: 'atteint' });
    });

    it('lets the CIA set the État a target, and remove another réservataire’s (null)', () => {
      const cia = applyCiaTerms(defaults, {
        objectives: { prio: { byReservataire: { 'etat-59': 0.6, 'action-logement': null, non_reserve: 0.1 } } },
      });
      const report = evaluateCompliance(facts, { cia, thresholdPerUc: THRESHOLD_2026, reservataireKinds: kinds }, query);
      expect(scopeFigure(report, 'PRIO', 'reservataire', 'etat-59')).toMatchObject({ target: 0.6, status: 'en_retard' });
      expect(scopeFigure(report, 'PRIO', 'reservataire', 'action-logement')).toMatchObject({
        target: null,
        status: 'non_evaluable',
      });
      expect(scopeFigure(report, 'PRIO', 'bailleur_reservataire', 'vilogia:non_reserve').target).toBe(0.1);
    });
  });

  it('follows the CIA: stricter targets, per-réservataire targets, mutations excluded, ANRU and territorialised objectives', () => {
    const cia = applyCiaTerms(defaults, {
      objectives: { qnq1: { target: 0.55 }, prio: { byReservataire: { 'action-logement': 0.3 } }, anru: { target: 0.5 } },
      options: { includeInternalMutations: { hq1: false } },
      sectors: [{ id: 'roubaix', name: 'Roubaix', communes: ['59512'], qpvs: [] }],
      territorialObjectives: [
        { id: 'roubaix-hq1', label: 'HQ1 à Roubaix', objective: 'HQ1', target: 0.4, filter: { sectorId: 'roubaix' } },
      ],
    });
    const amended = evaluateCompliance(facts, { cia, thresholdPerUc: THRESHOLD_2026 }, query);
    expect(epciFigure(amended, 'HQ1')).toMatchObject({ numerator: 3, denominator: 6, internalMutations: 0 });
    expect(epciFigure(amended, 'QNQ1')).toMatchObject({ target: 0.55, status: 'en_retard' });
    expect(scopeFigure(amended, 'PRIO', 'reservataire', 'action-logement')).toMatchObject({ target: 0.3, status: 'en_retard' });
    // Relogés RU: L5 outside QPV, L11 in QPV.
    expect(epciFigure(amended, 'ANRU')).toMatchObject({ numerator: 1, denominator: 2, status: 'atteint' });
    // Roubaix (59512): even-numbered leases outside QPV, L2 (not Q1), L4 (unknown), L6 (mutation, excluded from HQ1).
    expect(epciFigure(amended, 'TERR:roubaix-hq1')).toMatchObject({
      numerator: 0,
      denominator: 2,
      target: 0.4,
      status: 'en_retard',
    });
  });
});

describe('Compliance maths (properties)', () => {
  it('per-bailleur numerators and denominators sum to the EPCI figures', () => {
    fc.assert(
      fc.property(
        fc.array(arbitraryFact, { maxLength: 60 }),
        fc.option(fc.integer({ min: 5_000, max: 20_000 }), { nil: undefined }),
        (facts, threshold) => {
          const report = evaluateCompliance(
            facts,
            { cia: defaults, thresholdPerUc: threshold },
            { ...query, groupBy: 'bailleur' },
          );
          for (const objective of report.objectives) {
            const epci = objective.scopes.find((s) => s.scope.kind === 'epci')!.figure;
            const bailleurs = objective.scopes.filter((s) => s.scope.kind === 'bailleur').map((s) => s.figure);
            expect(bailleurs.reduce((sum, f) => sum + f.numerator, 0)).toBe(epci.numerator);
            expect(bailleurs.reduce((sum, f) => sum + f.denominator, 0)).toBe(epci.denominator);
            expect(bailleurs.reduce((sum, f) => sum + f.unknownQ1 + f.pendingQ1, 0)).toBe(epci.unknownQ1 + epci.pendingQ1);
          }
        },
      ),
    );
  });

  it('never counts an unknown or pending household in a Q1-based numerator, and the last month equals the year figure', () => {
    fc.assert(
      fc.property(fc.array(arbitraryFact, { maxLength: 60 }), (facts) => {
        const report = evaluateCompliance(
          facts,
          { cia: defaults, thresholdPerUc: undefined },
          { ...query, referenceDate: '2027-01-15' },
        );
        const qnq1 = report.objectives.find((o) => o.id === 'QNQ1')!.scopes[0]!.figure;
        expect(qnq1.numerator).toBe(0);
        for (const objective of report.objectives) {
          const f = objective.scopes[0]!.figure;
          expect(f.monthly).toHaveLength(12);
          expect([f.monthly.at(-1)!.numerator, f.monthly.at(-1)!.denominator]).toEqual([f.numerator, f.denominator]);
          expect(f.numerator).toBeLessThanOrEqual(f.denominator);
        }
      }),
    );
  });
});

describe('A status said before the year’s threshold is published (properties)', () => {
  it('never changes once the threshold is published: reached stays reached, behind stays behind', () => {
    fc.assert(
      fc.property(fc.array(arbitraryFact, { maxLength: 40 }), fc.integer({ min: 1_000, max: 40_000 }), (facts, threshold) => {
        const before = evaluateCompliance(facts, { cia: defaults, thresholdPerUc: undefined }, { ...query, groupBy: 'bailleur' });
        const after = evaluateCompliance(facts, { cia: defaults, thresholdPerUc: threshold }, { ...query, groupBy: 'bailleur' });
        for (const objective of before.objectives) {
          for (const { scope, figure } of objective.scopes) {
            if (figure.status === 'non_evaluable') continue;
            const published = after.objectives
              .find((o) => o.id === objective.id)!
              .scopes.find((s) => s.scope.kind === scope.kind && s.scope.id === scope.id)!.figure;
            expect([objective.id, scope.id, published.status]).toEqual([objective.id, scope.id, figure.status]);
          }
        }
      }),
    );
  });
});

describe('A lease’s attachment depends only on its own facts (properties)', () => {
  const withSectors = {
    ...defaults,
    sectors: [
      { id: 'lille', name: 'Lille', communes: ['59350'], qpvs: [] },
      { id: 'qpv-sud', name: 'Lille Sud', communes: [], qpvs: ['QN05901M'] },
    ],
  };
  const key = (scope: { kind: string; id: string }) => `${scope.kind}|${scope.id}`;
  /** Every scope's numerator and denominator, by objective and scope. */
  const tallies = (facts: readonly LeaseFact[], groupBy: 'secteur' | 'commune' | 'reservataire') => {
    const out = new Map<string, [number, number]>();
    for (const objective of evaluateCompliance(facts, { cia: withSectors, thresholdPerUc: 9_000 }, { ...query, groupBy })
      .objectives)
      for (const { scope, figure } of objective.scopes)
        out.set(`${objective.id}|${key(scope)}`, [figure.numerator, figure.denominator]);
    return out;
  };

  it('each sector, commune and réservataire figure is the sum of what each lease alone gives it (no lease moves another’s attachment)', () => {
    fc.assert(
      fc.property(
        fc.array(arbitraryFact, { maxLength: 30 }),
        fc.constantFrom('secteur' as const, 'commune' as const, 'reservataire' as const),
        (facts, groupBy) => {
          const together = tallies(facts, groupBy);
          const summed = new Map<string, [number, number]>();
          for (const fact of facts)
            for (const [scope, [n, d]] of tallies([fact], groupBy)) {
              const [sn, sd] = summed.get(scope) ?? [0, 0];
              summed.set(scope, [sn + n, sd + d]);
            }
          for (const [scope, figures] of together) expect([scope, figures]).toEqual([scope, summed.get(scope) ?? [0, 0]]);
        },
      ),
    );
  });

  it('a lease counts in the year of its lease date only: leases of other years change nothing in 2026', () => {
    fc.assert(
      fc.property(fc.array(arbitraryFact, { maxLength: 30 }), fc.array(arbitraryFact, { maxLength: 10 }), (facts, others) => {
        const otherYears = others.map((fact, i) => ({ ...fact, leaseDate: `${i % 2 ? 2025 : 2027}${fact.leaseDate.slice(4)}` }));
        expect(tallies([...facts, ...otherYears], 'secteur')).toEqual(tallies(facts, 'secteur'));
      }),
    );
  });
});

describe('The same flat leased twice within 30 days (a data-quality flag)', () => {
  const [base] = FIXTURE_LEASES;
  const on = (leaseDate: string, over: { household?: string; rpls?: string; bailleur?: string } = {}): LeaseFact => ({
    ...toFact(base!),
    leaseDate,
    bailleurId: over.bailleur ?? 'lmh',
    householdId: over.household ?? `hh-${leaseDate}`,
    rplsId: over.rpls ?? 'R1',
  });

  it('flags both leases of a flat signed 30 days apart or less, across a month end', () => {
    expect(flatLeasedTwice([on('2026-03-20'), on('2026-04-19')])).toEqual([true, true]);
    expect(flatLeasedTwice([on('2026-03-20'), on('2026-04-20')])).toEqual([false, false]);
  });

  it('flags only the leases within the window of another', () => {
    expect(flatLeasedTwice([on('2026-06-01'), on('2026-01-10'), on('2026-06-15'), on('2026-09-01')])).toEqual([
      true,
      false,
      true,
      false,
    ]);
  });

  it('compares one bailleur’s leases on one flat only, and leaves the same lease sent twice to the duplicates', () => {
    expect(flatLeasedTwice([on('2026-03-20'), on('2026-03-25', { rpls: 'R2' })])).toEqual([false, false]);
    expect(flatLeasedTwice([on('2026-03-20'), on('2026-03-25', { bailleur: 'other' })])).toEqual([false, false]);
    expect(flatLeasedTwice([on('2026-03-20', { household: 'h' }), on('2026-03-20', { household: 'h' })])).toEqual([false, false]);
    expect(flatLeasedTwice([on('2026-03-20', { household: 'h' }), on('2026-03-20', { household: 'k' })])).toEqual([true, true]);
  });

  it('flags exactly the leases another lease of the flat, not its twin, is within 30 days of (any facts)', () => {
    const pairwise = (facts: readonly LeaseFact[]) =>
      facts.map((a, i) =>
        facts.some(
          (b, j) =>
            j !== i &&
            a.rplsId !== undefined &&
            a.bailleurId === b.bailleurId &&
            a.rplsId === b.rplsId &&
            Math.abs(Date.parse(a.leaseDate) - Date.parse(b.leaseDate)) <= 30 * 86_400_000 &&
            !(a.householdId !== undefined && a.householdId === b.householdId && a.leaseDate === b.leaseDate),
        ),
      );
    const day = fc.integer({ min: 0, max: 400 }).map((d) => new Date(Date.UTC(2026, 0, 1 + d)).toISOString().slice(0, 10));
    const lease = fc
      .record({
        day,
        household: fc.option(fc.constantFrom('h1', 'h2', 'h3'), { nil: undefined }),
        rpls: fc.option(fc.constantFrom('R1', 'R2'), { nil: undefined }),
        bailleur: fc.constantFrom('lmh', 'vilogia'),
      })
      .map(({ day, household, rpls, bailleur }) => ({ ...on(day, { bailleur }), householdId: household, rplsId: rpls }));
    fc.assert(
      fc.property(fc.array(lease, { maxLength: 40 }), (facts) => {
        expect(flatLeasedTwice(facts)).toEqual(pairwise(facts));
      }),
    );
  });

  it('flags every lease of a flat let 20 000 times on one day (a bulk file on one RPLS id)', () => {
    const facts = Array.from({ length: 20_000 }, (_, i) => on('2026-03-02', { household: `hh-${i}` }));
    const flagged = flatLeasedTwice(facts);
    expect(flagged.filter(Boolean)).toHaveLength(20_000);
  });

  it('counts the flagged leases in dataQuality', () => {
    const report = evaluateCompliance(
      [on('2026-03-20'), on('2026-04-01'), on('2026-08-01')],
      { cia: defaults, thresholdPerUc: THRESHOLD_2026 },
      query,
    );
    expect(report.dataQuality).toMatchObject({ leases: 3, flatLeasedTwice: 2, probableDuplicates: 0 });
  });
});
