import fc from 'fast-check';
import type { LeaseFact } from '../compliance/compliance.js';

/** A lease of 2026 in three communes of the MEL, by three bailleurs, on four flux (fast-check). */
export const arbitraryFact = fc.record({
  leaseDate: fc.integer({ min: 1, max: 365 }).map((day) => new Date(Date.UTC(2026, 0, day)).toISOString().slice(0, 10)),
  bailleurId: fc.constantFrom('lmh', 'vilogia', 'partenord'),
  reservataireId: fc.constantFrom(null, 'action-logement', 'etat-59', 'mel'),
  communeInsee: fc.constantFrom('59350', '59512', '59599'),
  qpvCode: fc.constantFrom(null, null, 'QN05901M'),
  composition: fc.record({
    personsAged14OrMore: fc.integer({ min: 1, max: 4 }),
    childrenUnder14: fc.integer({ min: 0, max: 4 }),
  }),
  yearlyResources: fc.option(fc.integer({ min: 0, max: 60_000 }), { freq: 5 }),
  flags: fc.record({
    dalo: fc.boolean(),
    priorityCategory: fc.constantFrom(null, null, 'L441-1 a'),
    relogeRenouvellementUrbain: fc.boolean(),
    relogeCoproDegradee: fc.constant(false),
    internalMutation: fc.boolean(),
    interBailleurMobility: fc.constant(false),
    publicAgent: fc.constant(false),
  }),
});

/** A lease fact of 2026 signed on or before a day (YYYY-MM-DD). */
export const arbitraryFactUntil = (lastDay: number): fc.Arbitrary<LeaseFact> =>
  fc.tuple(arbitraryFact, fc.integer({ min: 1, max: lastDay })).map(([fact, day]) => ({
    ...fact,
    leaseDate: new Date(Date.UTC(2026, 0, day)).toISOString().slice(0, 10),
  }));
