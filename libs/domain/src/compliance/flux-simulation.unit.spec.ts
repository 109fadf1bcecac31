import fc from 'fast-check';
import { NO_HOUSEHOLD_FLAGS, type LeaseSignedData } from '../attribution/attribution.events.js';
import { conventionFlux, fluxFactsOf, type PostCalRefusalFact } from '../flux/convention-flux.js';
import type { FluxEvent } from '../flux/flux-ledger.js';
import type { ConventionTerms } from '../flux/reservation.js';
import { leaseSignedData } from '../testing/attribution.builders.js';
import { conventionTerms } from '../testing/flux.builders.js';
import { addLeaseToConventionFlux, simulateConventionFlux } from './flux-simulation.js';

const BAILLEUR = 'lille-metropole-habitat';

/** A lease of 2025–2027 by the convention's bailleur or another, on four flux, in the Nord or the Pas-de-Calais. */
const arbitraryLease = fc
  .record({
    i: fc.nat(),
    bailleurId: fc.constantFrom(BAILLEUR, BAILLEUR, 'vilogia'),
    year: fc.constantFrom(2026, 2026, 2026, 2025, 2027),
    day: fc.integer({ min: 1, max: 28 }),
    month: fc.integer({ min: 1, max: 12 }),
    reservataireId: fc.constantFrom(null, 'action-logement', 'action-logement', 'etat-59'),
    commune: fc.constantFrom(['59350', '200093201'], ['59512', '200093201'], ['59183', '200067205'], ['62041', '200033579']),
    internalMutation: fc.boolean(),
    interBailleurMobility: fc.boolean(),
    publicAgent: fc.boolean(),
  })
  .map((l): LeaseSignedData =>
    leaseSignedData({
      leaseId: `L${l.i}`,
      bailleurId: l.bailleurId,
      leaseDate: `${l.year}-${String(l.month).padStart(2, '0')}-${String(l.day).padStart(2, '0')}`,
      reservataireId: l.reservataireId,
      flat: { communeInsee: l.commune[0], epciSiren: l.commune[1] },
      flags: {
        ...NO_HOUSEHOLD_FLAGS,
        internalMutation: l.internalMutation,
        interBailleurMobility: l.interBailleurMobility,
        publicAgent: l.publicAgent,
      },
    }),
  );

const arbitraryTerms = fc
  .record({
    reservataireId: fc.constantFrom('action-logement', 'etat-59'),
    perimeter: fc.constantFrom(undefined, { communes: ['59350'] }, { epcis: ['200093201'] }),
    fluxShare: fc.option(fc.constantFrom(0.05, 0.25, 0.3), { nil: null }),
    interBailleurMobility: fc.boolean(),
    refusals: fc.boolean(),
  })
  .map((t): ConventionTerms =>
    conventionTerms({
      reservataireId: t.reservataireId,
      ...(t.perimeter ? { perimeter: t.perimeter } : {}),
      fluxShare: t.fluxShare,
      annualVolume: t.fluxShare === null ? 3 : null,
      countingOptions: {
        postCalRefusals: { enabled: t.refusals, weight: 0.5 },
        interBailleurMobility: t.interBailleurMobility,
        aPosterioriValidation: false,
      },
    }),
  );

const release = (n: number): FluxEvent => ({
  type: 'FlatReleased',
  data: {
    bailleurId: BAILLEUR,
    rplsId: `59${n}`,
    departement: '59',
    releasedOn: '2026-02-01',
    inNetBase: true,
    exclusionReason: null,
  },
});

const refusals = (n: number, reservataireId: string): PostCalRefusalFact[] =>
  Array.from({ length: n }, (_, i) => ({
    date: '2026-06-01',
    bailleurId: BAILLEUR,
    reservataireId,
    flat: { rplsId: `R${i}`, communeInsee: '59350', epciSiren: '200093201' },
  }));

describe('Simulating a lease on a convention’s flux', () => {
  it('gives exactly the figures of the convention once the lease is signed (property)', () => {
    fc.assert(
      fc.property(
        arbitraryTerms,
        fc.integer({ min: 0, max: 30 }),
        fc.array(arbitraryLease, { maxLength: 40 }),
        fc.integer({ min: 0, max: 3 }),
        arbitraryLease,
        fc.constantFrom('2026-03-31', '2026-10-27', '2026-12-31'),
        (terms, released, leases, refused, candidate, referenceDate) => {
          const etat = terms.reservataireId === 'etat-59';
          const input = {
            terms,
            inForce: { fluxShare: terms.fluxShare, annualVolume: terms.annualVolume },
            year: 2026,
            referenceDate,
            flux: fluxFactsOf(Array.from({ length: released }, (_, i) => release(i))),
            postCalRefusals: refusals(refused, terms.reservataireId),
            etat,
          };
          const before = conventionFlux({ ...input, leases });
          expect(addLeaseToConventionFlux(before, terms, candidate)).toEqual(
            conventionFlux({ ...input, leases: [...leases, candidate] }),
          );
        },
      ),
      { numRuns: 500 },
    );
  });

  it('says when a lease completes the year’s commitment, and by how many points the realised share moves', () => {
    // 8 flats of the net base, a quarter owed: 2; one lease counted so far.
    const terms = conventionTerms();
    const before = conventionFlux({
      terms,
      inForce: { fluxShare: 0.25, annualVolume: null },
      year: 2026,
      referenceDate: '2026-10-27',
      flux: fluxFactsOf(Array.from({ length: 8 }, (_, i) => release(i))),
      leases: [leaseSignedData({ leaseId: 'L1', reservataireId: 'action-logement', leaseDate: '2026-05-10' })],
      postCalRefusals: [],
    });
    const candidate = leaseSignedData({ leaseId: 'L2', reservataireId: 'action-logement', leaseDate: '2026-11-02' });
    const simulated = simulateConventionFlux(before, terms, candidate);
    expect(simulated).toMatchObject({
      conventionId: 'ALS-LMH-59',
      countedAs: 'bailSigne',
      before: { counted: { total: 1 }, target: 2, realisedShare: 0.125, status: 'en_retard' },
      after: { counted: { total: 2 }, target: 2, realisedShare: 0.25, status: 'atteint' },
      changePoints: 12.5,
      crossing: 'vers_atteint',
      limitsCrossed: [],
    });
    // An internal mutation never counts on a réservataire's flux.
    const mutation = simulateConventionFlux(before, terms, {
      ...candidate,
      flags: { ...NO_HOUSEHOLD_FLAGS, internalMutation: true },
    });
    expect([mutation.countedAs, mutation.changePoints, mutation.crossing]).toEqual([null, 0, null]);
  });

  it('says when a lease takes the préfet contingent over its limits', () => {
    // 10 flats of the net base: 3 leases on the État's flux is 30 % (within), a fourth is over; a public agent is 10 % (> 5 %).
    const terms = conventionTerms({ conventionId: 'ETAT-59', reservataireId: 'etat-59', fluxShare: 0.3 });
    const leases = [1, 2, 3].map((n) =>
      leaseSignedData({ leaseId: `E${n}`, reservataireId: 'etat-59', leaseDate: '2026-04-01' }),
    );
    const before = conventionFlux({
      terms,
      inForce: { fluxShare: 0.3, annualVolume: null },
      year: 2026,
      referenceDate: '2026-10-27',
      flux: fluxFactsOf(Array.from({ length: 10 }, (_, i) => release(i))),
      leases,
      postCalRefusals: [],
      etat: true,
    });
    const agent = leaseSignedData({
      leaseId: 'E4',
      reservataireId: 'etat-59',
      leaseDate: '2026-11-02',
      flags: { ...NO_HOUSEHOLD_FLAGS, publicAgent: true },
    });
    const simulated = simulateConventionFlux(before, terms, agent);
    expect(simulated.limitsCrossed).toEqual(['leases', 'publicAgents']);
    expect(simulated.after.contingent?.leases).toEqual({ count: 4, share: 0.4, limit: 0.3, withinLimit: false });
    // Another candidate moving the convention alike (another household, the same flags) shares the
    // result; one that is no public agent gets its own, the public agents' reading left within its limit.
    expect(
      simulateConventionFlux(before, terms, { ...agent, leaseId: 'E5', household: { ...agent.household, pseudonymousId: 'h5' } }),
    ).toBe(simulated);
    const plain = simulateConventionFlux(before, terms, { ...agent, leaseId: 'E6', flags: NO_HOUSEHOLD_FLAGS });
    expect(plain.limitsCrossed).toEqual(['leases']);
    expect(plain.after).toEqual({
      ...addLeaseToConventionFlux(before, terms, { ...agent, flags: NO_HOUSEHOLD_FLAGS }),
      status: 'atteint',
    });
    expect(simulated.after.contingent?.publicAgents.count).toBe(1);
  });
});
