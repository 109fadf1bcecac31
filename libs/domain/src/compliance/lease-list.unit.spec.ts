import fc from 'fast-check';
import { applyCiaTerms, legalDefaultCia } from '../cia/cia.model.js';
import { listLeases, type ListedLeaseFact } from './lease-list.js';
import { FIXTURE_LEASES, MEL, THRESHOLD_2026 } from '../../../../test/fixtures/compliance-mel-2026.js';

const listed = FIXTURE_LEASES.map((lease, index): ListedLeaseFact => ({
  leaseId: lease.leaseId,
  eventId: `ev-${index}`,
  position: index + 1,
  leaseDate: lease.leaseDate,
  bailleurId: lease.bailleurId,
  reservataireId: lease.reservataireId,
  communeInsee: lease.flat.communeInsee,
  qpvCode: lease.flat.qpvCode,
  composition: lease.household.composition,
  yearlyResources: lease.household.yearlyResources,
  flags: lease.flags,
  calDecisionEventId: null,
  householdId: lease.household.pseudonymousId,
  rplsId: lease.flat.rplsId,
}));

/** A CIA with a sector, so that a lease's sector is part of what is derived from it. */
const cia = applyCiaTerms(legalDefaultCia(MEL, 2026), {
  sectors: [{ id: 'lille', name: 'Lille', communes: ['59350'], qpvs: [] }],
});

describe('A lease’s classification depends only on its own facts and the rules in force (properties)', () => {
  it('is the same alone or among any other leases of the year, in any order', () => {
    fc.assert(
      fc.property(fc.nat({ max: listed.length - 1 }), fc.shuffledSubarray(listed), (index, others) => {
        const lease = listed[index]!;
        const rules = { cia, thresholdPerUc: THRESHOLD_2026 };
        const alone = listLeases([lease], rules)[0]!;
        const among = listLeases([...others.filter((other) => other !== lease), lease], rules).find(
          (line) => line.leaseId === lease.leaseId,
        )!;
        // The data-quality flags compare leases with each other: the rest is the lease's own.
        const own = ({ probableDuplicate: _d, flatLeasedTwice: _f, ...line }: typeof alone) => line;
        expect(own(among)).toEqual(own(alone));
      }),
    );
  });

  it('changes with the threshold in force only through its Q1 status', () => {
    fc.assert(
      fc.property(fc.nat({ max: listed.length - 1 }), fc.integer({ min: 1_000, max: 30_000 }), (index, threshold) => {
        const lease = listed[index]!;
        const a = listLeases([lease], { cia, thresholdPerUc: THRESHOLD_2026 })[0]!;
        const b = listLeases([lease], { cia, thresholdPerUc: threshold })[0]!;
        if (a.q1 === b.q1) expect(b).toEqual(a);
        expect([b.qpvCode, b.communeInsee, b.leaseDate]).toEqual([a.qpvCode, a.communeInsee, a.leaseDate]);
      }),
    );
  });
});
