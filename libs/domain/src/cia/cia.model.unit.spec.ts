import { applyCiaTerms, legalDefaultCia } from './cia.model.js';

describe('CIA terms over the legal defaults', () => {
  it('keeps every legal default the CIA is silent on', () => {
    const cia = applyCiaTerms(legalDefaultCia('200093201', 2026), { objectives: { qnq1: { target: 0.67 } } });
    expect(cia.objectives).toEqual({
      hq1: { target: 0.25 },
      qnq1: { target: 0.67 },
      prio: { target: 0.25, byReservataire: {}, scopeTargets: {} },
      anru: { target: null },
    });
    expect(cia.options.includeInternalMutations).toEqual({ hq1: true, qnq1: true, prio: true });
    expect(cia.options.ucScale).toEqual({ firstAdult: 1, otherAged14OrMore: 0.5, childUnder14: 0.3 });
  });

  it('amends field by field, and sectors by id', () => {
    const adopted = applyCiaTerms(legalDefaultCia('200093201', 2026), {
      sectors: [
        { id: 'nord', name: 'Nord', communes: ['59350'], qpvs: [] },
        { id: 'sud', name: 'Sud', communes: ['59009'], qpvs: [] },
      ],
      objectives: { prio: { byReservataire: { 'action-logement': 0.3 } } },
    });
    const amended = applyCiaTerms(adopted, {
      sectors: [{ id: 'sud', name: 'Sud', communes: ['59009', '59512'], qpvs: [] }],
      objectives: { prio: { byReservataire: { mel: 0.4 } } },
      options: { includeInternalMutations: { prio: false } },
    });
    expect(amended.sectors.map((s) => [s.id, s.communes])).toEqual([
      ['nord', ['59350']],
      ['sud', ['59009', '59512']],
    ]);
    expect(amended.objectives.prio).toEqual({
      target: 0.25,
      byReservataire: { 'action-logement': 0.3, mel: 0.4 },
      scopeTargets: {},
    });
    expect(amended.options.includeInternalMutations).toEqual({ hq1: true, qnq1: true, prio: false });
  });
});
