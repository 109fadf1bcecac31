import fc from 'fast-check';
import { leaseSignedData } from '../testing/attribution.builders.js';
import { conventionTerms } from '../testing/flux.builders.js';
import { conventionFlux } from './convention-flux.js';
import type { FluxEvent } from './flux-ledger.js';
import { NO_COUNTING_OPTIONS } from './reservation.js';

const terms = conventionTerms();
const release = (n: number, inNetBase = true): FluxEvent => ({
  type: 'FlatReleased',
  data: {
    bailleurId: terms.bailleurId,
    rplsId: `59${n}`,
    departement: '59',
    releasedOn: '2026-02-01',
    inNetBase,
    exclusionReason: inNetBase ? null : 'internal_mutation',
  },
});
const lease = (n: number, flags: { interBailleurMobility?: boolean; internalMutation?: boolean } = {}) =>
  leaseSignedData({ leaseId: `L${n}`, caseId: `C${n}`, leaseDate: '2026-05-10', reservataireId: 'action-logement', flags });

describe('Flux realised for a convention', () => {
  // 8 flats released into the net base, 2 outside; 25 % of 8 = 2 owed.
  const flux = [...Array.from({ length: 8 }, (_, i) => release(i)), release(100, false), release(101, false)];
  const leases = [
    lease(1),
    lease(2, { interBailleurMobility: true }),
    lease(3, { internalMutation: true }),
    leaseSignedData({ leaseId: 'X', reservataireId: 'etat-59', leaseDate: '2026-05-10' }),
  ];

  it('counts signed leases on its flux, and nothing the options do not switch on', () => {
    const figures = conventionFlux({
      terms,
      inForce: { fluxShare: 0.25, annualVolume: null },
      year: 2026,
      referenceDate: '2026-12-31',
      flux,
      leases,
      postCalRefusals: 3,
    });
    expect(figures).toMatchObject({
      netBase: 8,
      excluded: { internal_mutation: 2 },
      counted: { bailSigne: 1, interBailleurMobility: 0, postCalRefusals: 0, total: 1 },
      target: 2,
      realisedShare: 1 / 8,
      proRataTargetToDate: 2,
      gapToProRata: -1,
    });
  });

  it('shows each switched-on option in its own column', () => {
    const withOptions = {
      ...terms,
      countingOptions: { ...NO_COUNTING_OPTIONS, interBailleurMobility: true, postCalRefusals: { enabled: true, weight: 0.5 } },
    };
    const figures = conventionFlux({
      terms: withOptions,
      inForce: { fluxShare: 0.25, annualVolume: null },
      year: 2026,
      referenceDate: '2026-12-31',
      flux,
      leases,
      postCalRefusals: 3,
    });
    expect(figures.counted).toEqual({
      bailSigne: 1,
      interBailleurMobility: 1,
      postCalRefusals: 1.5,
      aPosterioriValidation: 0,
      total: 3.5,
    });
  });

  it('counts no refusal in delegated management', () => {
    const delegated = {
      ...terms,
      gestionMode: 'deleguee' as const,
      countingOptions: { ...NO_COUNTING_OPTIONS, postCalRefusals: { enabled: true, weight: 1 } },
    };
    expect(
      conventionFlux({
        terms: delegated,
        inForce: { fluxShare: 0.25, annualVolume: null },
        year: 2026,
        referenceDate: '2026-12-31',
        flux,
        leases,
        postCalRefusals: 3,
      }).counted.postCalRefusals,
    ).toBe(0);
  });

  it('prorates the target to the reference date in the current year', () => {
    const figures = conventionFlux({
      terms,
      inForce: { fluxShare: null, annualVolume: 365 },
      year: 2026,
      referenceDate: '2026-01-31',
      flux,
      leases,
      postCalRefusals: 0,
    });
    expect(figures.proRataTargetToDate).toBeCloseTo(31, 10);
  });

  it('with every option off, counts exactly the signed leases on its flux (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ mobility: fc.boolean(), mutation: fc.boolean(), ours: fc.boolean() }), { maxLength: 40 }),
        (specs) => {
          const generated = specs.map((s, i) =>
            leaseSignedData({
              leaseId: `G${i}`,
              leaseDate: '2026-03-03',
              reservataireId: s.ours ? 'action-logement' : 'mel',
              flags: { interBailleurMobility: s.mobility, internalMutation: s.mutation },
            }),
          );
          const figures = conventionFlux({
            terms,
            inForce: { fluxShare: 0.25, annualVolume: null },
            year: 2026,
            referenceDate: '2026-12-31',
            flux,
            leases: generated,
            postCalRefusals: 5,
          });
          expect(figures.counted.total).toBe(specs.filter((s) => s.ours && !s.mutation && !s.mobility).length);
        },
      ),
    );
  });
});
