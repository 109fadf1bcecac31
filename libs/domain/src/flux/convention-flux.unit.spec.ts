import fc from 'fast-check';
import { leaseSignedData } from '../testing/attribution.builders.js';
import { conventionTerms } from '../testing/flux.builders.js';
import { conventionCovering, conventionFlux, fluxFactsOf, type PostCalRefusalFact } from './convention-flux.js';
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

/** Refusals after a CAL oriented to Action Logement, on the convention's bailleur, in 2026. */
const refusals = (n: number): PostCalRefusalFact[] =>
  Array.from({ length: n }, (_, i) => ({
    date: '2026-06-01',
    bailleurId: terms.bailleurId,
    reservataireId: 'action-logement',
    flat: { rplsId: `R${i}`, communeInsee: '59350', epciSiren: '200093201' },
  }));

describe('Flux realised for a convention', () => {
  // 8 flats released into the net base, 2 outside; 25 % of 8 = 2 owed.
  const flux = fluxFactsOf([...Array.from({ length: 8 }, (_, i) => release(i)), release(100, false), release(101, false)]);
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
      postCalRefusals: refusals(3),
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

  it('says how many attributions it counts beyond the flats released in the year (releases not all recorded)', () => {
    const counted = (released: number, signed: number) =>
      conventionFlux({
        terms,
        inForce: { fluxShare: 0.25, annualVolume: null },
        year: 2026,
        referenceDate: '2026-12-31',
        flux: fluxFactsOf(Array.from({ length: released }, (_, i) => release(i))),
        leases: Array.from({ length: signed }, (_, i) => lease(i)),
        postCalRefusals: [],
      });
    // 5 leases on the flux, 2 flats declared released: 250 %, 3 beyond the net base.
    expect(counted(2, 5)).toMatchObject({ netBase: 2, counted: { total: 5 }, realisedShare: 2.5, countedBeyondNetBase: 3 });
    // No release recorded at all: no share, and every lease beyond.
    expect(counted(0, 4)).toMatchObject({ realisedShare: null, countedBeyondNetBase: 4 });
    expect(counted(8, 1)).toMatchObject({ realisedShare: 1 / 8, countedBeyondNetBase: 0 });
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
      postCalRefusals: refusals(3),
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
        postCalRefusals: refusals(3),
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
      postCalRefusals: refusals(0),
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
            postCalRefusals: refusals(5),
          });
          expect(figures.counted.total).toBe(specs.filter((s) => s.ours && !s.mutation && !s.mobility).length);
        },
      ),
    );
  });
});

describe('Flux facts across 31 December', () => {
  // Released on 30 December 2024, oriented on 2 January 2025, returned on 20 January 2025.
  const events: FluxEvent[] = [
    { type: 'FlatReleased', data: { ...(release(1).data as object), releasedOn: '2024-12-30' } as never },
    {
      type: 'FlatOrientedToReservataire',
      data: {
        bailleurId: terms.bailleurId,
        rplsId: '591',
        reservataireId: 'action-logement',
        conventionId: terms.conventionId,
        orientedOn: '2025-01-02',
      },
    },
    {
      type: 'FlatReturnedToBailleur',
      data: {
        bailleurId: terms.bailleurId,
        rplsId: '591',
        reservataireId: 'action-logement',
        conventionId: terms.conventionId,
        returnedOn: '2025-01-20',
        reason: 'aucun candidat',
      },
    },
  ];
  const figures = (year: number) =>
    conventionFlux({
      terms: { ...terms, period: { startYear: 2024, endYear: 2025 } },
      inForce: { fluxShare: 0.25, annualVolume: null },
      year,
      referenceDate: '2025-12-31',
      flux: fluxFactsOf(events),
      leases: [],
      postCalRefusals: [],
    });
  it('counts the release in 2024, and the orientation and return in 2025', () => {
    expect(figures(2024)).toMatchObject({ netBase: 1, oriented: 0, returned: 0 });
    expect(figures(2025)).toMatchObject({ netBase: 0, oriented: 1, returned: 1 });
  });

  it('gives the same figures however the facts are spread over batches, and each year counts only its own dates (property)', () => {
    const flat = fc.record({
      releaseDay: fc.integer({ min: 0, max: 729 }),
      orientAfter: fc.option(fc.integer({ min: 0, max: 60 })),
      returnAfter: fc.option(fc.integer({ min: 0, max: 60 })),
      inNetBase: fc.boolean(),
      commune: fc.constantFrom('59350', '59009', null),
    });
    const day = (n: number) => new Date(Date.UTC(2024, 0, 1) + n * 86_400_000).toISOString().slice(0, 10);
    fc.assert(
      fc.property(
        fc.array(flat, { maxLength: 30 }),
        fc.array(fc.integer({ min: 1, max: 10 }), { maxLength: 10 }),
        (flats, cuts) => {
          const history: FluxEvent[] = [];
          const expected = new Map<number, { netBase: number; oriented: number; returned: number }>();
          const at = (date: string) => {
            const year = Number(date.slice(0, 4));
            const current = expected.get(year) ?? { netBase: 0, oriented: 0, returned: 0 };
            expected.set(year, current);
            return current;
          };
          flats.forEach((f, i) => {
            const rplsId = `P${i}`;
            const releasedOn = day(f.releaseDay);
            history.push({
              type: 'FlatReleased',
              data: {
                bailleurId: terms.bailleurId,
                rplsId,
                departement: '59',
                communeInsee: f.commune,
                releasedOn,
                inNetBase: f.inNetBase,
                exclusionReason: f.inNetBase ? null : 'sale',
              },
            });
            if (f.inNetBase) at(releasedOn).netBase += 1;
            if (!f.inNetBase || f.orientAfter === null) return;
            const orientedOn = day(f.releaseDay + f.orientAfter);
            history.push({
              type: 'FlatOrientedToReservataire',
              data: {
                bailleurId: terms.bailleurId,
                rplsId,
                reservataireId: 'action-logement',
                conventionId: terms.conventionId,
                orientedOn,
              },
            });
            at(orientedOn).oriented += 1;
            if (f.returnAfter === null) return;
            const returnedOn = day(f.releaseDay + f.orientAfter + f.returnAfter);
            history.push({
              type: 'FlatReturnedToBailleur',
              data: {
                bailleurId: terms.bailleurId,
                rplsId,
                reservataireId: 'action-logement',
                conventionId: terms.conventionId,
                returnedOn,
                reason: 'délai',
              },
            });
            at(returnedOn).returned += 1;
          });
          // The log in batches of the generated sizes, the flats' places carried from one to the next.
          const places = new Map();
          const facts = [];
          let start = 0;
          for (const size of [...cuts, history.length]) {
            facts.push(...fluxFactsOf(history.slice(start, start + size), places));
            start += size;
            if (start >= history.length) break;
          }
          for (const year of [2024, 2025, 2026]) {
            const f = conventionFlux({
              terms: { ...terms, period: { startYear: 2024, endYear: 2026 } },
              inForce: { fluxShare: 0.25, annualVolume: null },
              year,
              referenceDate: '2026-12-31',
              flux: facts,
              leases: [],
              postCalRefusals: [],
            });
            expect({ netBase: f.netBase, oriented: f.oriented, returned: f.returned }).toEqual(
              expected.get(year) ?? { netBase: 0, oriented: 0, returned: 0 },
            );
          }
        },
      ),
    );
  });
});

describe('A convention’s perimeter', () => {
  const lille = conventionTerms({
    conventionId: 'LILLE',
    reservataireId: 'ville-de-lille',
    perimeter: { communes: ['59350'] },
    fluxShare: 0.1,
  });
  const at = (n: number, communeInsee: string | null, epciSiren: string | null = null): FluxEvent => ({
    type: 'FlatReleased',
    data: { ...(release(n).data as object), communeInsee, epciSiren } as never,
  });
  const flux = fluxFactsOf([at(1, '59350'), at(2, '59350'), at(3, '59009'), at(4, null), at(5, '59599', '200093201')]);
  const leases = [
    leaseSignedData({ leaseId: 'a', reservataireId: 'ville-de-lille', leaseDate: '2026-04-01' }),
    leaseSignedData({ leaseId: 'b', reservataireId: 'ville-de-lille', leaseDate: '2026-04-01', flat: { communeInsee: '59009' } }),
  ];
  const refusal = (communeInsee: string): PostCalRefusalFact => ({
    date: '2026-05-01',
    bailleurId: terms.bailleurId,
    reservataireId: 'ville-de-lille',
    flat: { rplsId: 'x', communeInsee, epciSiren: '200093201' },
  });
  const of = (t: typeof terms) =>
    conventionFlux({
      terms: { ...t, countingOptions: { ...NO_COUNTING_OPTIONS, postCalRefusals: { enabled: true, weight: 1 } } },
      inForce: { fluxShare: t.fluxShare, annualVolume: t.annualVolume },
      year: 2026,
      referenceDate: '2026-12-31',
      flux,
      leases,
      postCalRefusals: [refusal('59350'), refusal('59009')],
    });
  it('computes a commune’s reservation on its own commune: net base, leases and refusals', () => {
    expect(of(lille)).toMatchObject({
      perimeter: { departement: '59', communes: ['59350'] },
      netBase: 2,
      counted: { bailSigne: 1, postCalRefusals: 1 },
      target: 0.2,
    });
  });
  it('computes an EPCI’s on the flats released with its SIREN, and the département’s on all', () => {
    expect(of({ ...lille, perimeter: { epcis: ['200093201'] } }).netBase).toBe(1);
    expect(of({ ...lille, perimeter: undefined })).toMatchObject({ netBase: 5, counted: { bailSigne: 2, postCalRefusals: 2 } });
  });
  it('attributes a fact to the narrowest convention covering it (the audit ledger’s choice)', () => {
    const departement = conventionTerms({ conventionId: 'DEP', reservataireId: 'ville-de-lille', signedOn: '2025-06-01' });
    const place = { departement: '59', communeInsee: '59350', epciSiren: null };
    expect(conventionCovering([departement, lille], terms.bailleurId, place, 2026)?.conventionId).toBe('LILLE');
    expect(
      conventionCovering([departement, lille], terms.bailleurId, { ...place, communeInsee: '59009' }, 2026)?.conventionId,
    ).toBe('DEP');
  });
});

describe('Préfet contingent on an État convention', () => {
  it('reads it both ways against the net base: flats oriented to the État, leases signed on its flux; public agents ≤ 5 %', () => {
    const etat = conventionTerms({ conventionId: 'ETAT', reservataireId: 'etat-59', fluxShare: 0.3 });
    const events: FluxEvent[] = Array.from({ length: 10 }, (_, i) => release(i));
    for (const i of [0, 1, 2])
      events.push({
        type: 'FlatOrientedToReservataire',
        data: {
          bailleurId: terms.bailleurId,
          rplsId: `59${i}`,
          reservataireId: 'etat-59',
          conventionId: 'ETAT',
          orientedOn: '2026-03-01',
        },
      });
    const leases = Array.from({ length: 4 }, (_, i) =>
      leaseSignedData({ leaseId: `E${i}`, reservataireId: 'etat-59', leaseDate: '2026-06-01', flags: { publicAgent: i === 0 } }),
    );
    const figures = conventionFlux({
      terms: etat,
      inForce: { fluxShare: 0.3, annualVolume: null },
      year: 2026,
      referenceDate: '2026-12-31',
      flux: fluxFactsOf(events),
      leases,
      postCalRefusals: [],
      etat: true,
    });
    expect(figures.contingent).toMatchObject({
      oriented: { count: 3, share: 0.3, limit: 0.3, withinLimit: true },
      leases: { count: 4, share: 0.4, limit: 0.3, withinLimit: false },
      publicAgents: { count: 1, share: 0.1, limit: 0.05, withinLimit: false },
      withinLimits: false,
    });
  });
});

describe('A-posteriori validations', () => {
  const validations = [
    { date: '2026-04-01', bailleurId: terms.bailleurId, reservataireId: terms.reservataireId, conventionId: terms.conventionId },
    { date: '2027-01-02', bailleurId: terms.bailleurId, reservataireId: terms.reservataireId, conventionId: terms.conventionId },
    { date: '2026-04-01', bailleurId: terms.bailleurId, reservataireId: terms.reservataireId, conventionId: 'OTHER' },
  ];
  const of = (aPosterioriValidation: boolean) =>
    conventionFlux({
      terms: { ...terms, countingOptions: { ...NO_COUNTING_OPTIONS, aPosterioriValidation } },
      inForce: { fluxShare: 0.25, annualVolume: null },
      year: 2026,
      referenceDate: '2026-12-31',
      flux: [],
      leases: [],
      postCalRefusals: [],
      validations,
    }).counted;
  it('counts this convention’s of the year in their own column when the option is on, none otherwise', () => {
    expect(of(true)).toMatchObject({ aPosterioriValidation: 1, total: 1 });
    expect(of(false)).toMatchObject({ aPosterioriValidation: 0, total: 0 });
  });
});
