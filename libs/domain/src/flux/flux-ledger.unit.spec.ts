import { deciderSpecification, recorded } from '../testing/decider-specification.js';
import { departementOfCommune, flatStreamId, fluxDecider, type FluxEvent } from './flux-ledger.js';

const { given } = deciderSpecification(fluxDecider);
const released = (rplsId = '590001', inNetBase = true): FluxEvent => ({
  type: 'FlatReleased',
  data: {
    bailleurId: 'lmh',
    rplsId,
    departement: '59',
    releasedOn: '2026-02-01',
    inNetBase,
    exclusionReason: inNetBase ? null : 'internal_mutation',
  },
});
const oriented: FluxEvent = {
  type: 'FlatOrientedToReservataire',
  data: {
    bailleurId: 'lmh',
    rplsId: '590001',
    reservataireId: 'action-logement',
    conventionId: 'ALS-LMH-59',
    orientedOn: '2026-02-03',
  },
};
const returned: FluxEvent = {
  type: 'FlatReturnedToBailleur',
  data: {
    bailleurId: 'lmh',
    rplsId: '590001',
    reservataireId: 'action-logement',
    conventionId: 'ALS-LMH-59',
    returnedOn: '2026-03-10',
    reason: 'aucun candidat proposé dans le délai',
  },
};

describe('Flux life of a flat', () => {
  it('records a flat released into the net base', () => {
    given([])
      .when({ type: 'ReleaseFlat', data: released().data as never })
      .then([released()]);
  });
  it('needs the exclusion reason of a flat outside the net base, and only then', () => {
    given([])
      .when({ type: 'ReleaseFlat', data: { ...(released().data as object), inNetBase: false, exclusionReason: null } as never })
      .thenThrows('EXCLUSION_REASON_REQUIRED');
    given([])
      .when({ type: 'ReleaseFlat', data: { ...(released().data as object), exclusionReason: 'sale' } as never })
      .thenThrows('EXCLUSION_REASON_REQUIRED');
  });
  it('orients a released flat of the net base to a convention, once', () => {
    given([released()])
      .when({ type: 'OrientFlat', data: oriented.data as never })
      .then([oriented]);
    given([released(), oriented])
      .when({ type: 'OrientFlat', data: oriented.data as never })
      .thenThrows('FLAT_ALREADY_ORIENTED');
  });
  it('refuses to orient a flat not released, or outside the net base', () => {
    given([])
      .when({ type: 'OrientFlat', data: oriented.data as never })
      .thenThrows('FLAT_NOT_RELEASED');
    given([released('590001', false)])
      .when({ type: 'OrientFlat', data: oriented.data as never })
      .thenThrows('FLAT_OUTSIDE_NET_BASE');
  });
  it('returns an oriented flat to the bailleur when no candidate came in time', () => {
    given([released(), oriented])
      .when({ type: 'ReturnFlat', data: returned.data as never })
      .then([returned]);
    given([released()])
      .when({ type: 'ReturnFlat', data: returned.data as never })
      .thenThrows('FLAT_NOT_ORIENTED');
  });
  it('tells conventions apart by their réservataire too: the same id is another pair’s convention', () => {
    given([released(), oriented])
      .when({ type: 'ReturnFlat', data: { ...(returned.data as object), reservataireId: 'ville-de-lille' } as never })
      .thenThrows('FLAT_NOT_ORIENTED');
  });
  it('is one stream per bailleur and flat, whatever the year of its facts', () => {
    expect(flatStreamId('lmh', '590001')).toBe('flux-flat:lmh:590001');
    expect(flatStreamId('lmh:x', '1')).not.toBe(flatStreamId('lmh', 'x:1'));
  });
  it('knows the département of a commune: two characters, 2A / 2B in Corsica, three overseas (97x and 98x)', () => {
    expect(['59350', '2A004', '2B033', '97411', '98735'].map(departementOfCommune)).toEqual(['59', '2A', '2B', '974', '987']);
  });
});

describe('Flux life of a flat across 31 December', () => {
  const december = released();
  const releasedDec = { ...december, data: { ...december.data, releasedOn: '2024-12-30' } } as FluxEvent;
  const orientedJan = { ...oriented, data: { ...oriented.data, orientedOn: '2025-01-02' } } as FluxEvent;
  const returnedJan = { ...returned, data: { ...returned.data, returnedOn: '2025-01-20' } } as FluxEvent;
  it('orients on 2 January a flat released on 30 December', () => {
    given([releasedDec])
      .when({ type: 'OrientFlat', data: orientedJan.data as never })
      .then([orientedJan]);
  });
  it('returns in January a flat oriented in December', () => {
    const orientedDec = { ...oriented, data: { ...oriented.data, orientedOn: '2024-12-31' } } as FluxEvent;
    given([releasedDec, orientedDec])
      .when({ type: 'ReturnFlat', data: returnedJan.data as never })
      .then([returnedJan]);
  });
  it('refuses an orientation dated before the release, and a return dated before the orientation', () => {
    given([releasedDec])
      .when({ type: 'OrientFlat', data: { ...(oriented.data as object), orientedOn: '2024-12-29' } as never })
      .thenThrows('FLUX_FACT_OUT_OF_ORDER');
    given([releasedDec, orientedJan])
      .when({ type: 'ReturnFlat', data: { ...(returned.data as object), returnedOn: '2025-01-01' } as never })
      .thenThrows('FLUX_FACT_OUT_OF_ORDER');
  });
  it('a new release starts a new life: the flat can be oriented again', () => {
    const again = { ...december, data: { ...december.data, releasedOn: '2026-06-01' } } as FluxEvent;
    const orientedAgain = { ...oriented, data: { ...oriented.data, orientedOn: '2026-06-02' } } as FluxEvent;
    given([releasedDec, orientedJan, returnedJan, again])
      .when({ type: 'OrientFlat', data: orientedAgain.data as never })
      .then([orientedAgain]);
  });
});

describe('Orientation within a convention’s perimeter', () => {
  const inLille = {
    ...released(),
    data: { ...released().data, communeInsee: '59350', epciSiren: '200093201' },
  } as FluxEvent;
  it('orients a flat whose commune the convention lists, or whose EPCI it lists', () => {
    given([inLille])
      .when({ type: 'OrientFlat', data: oriented.data as never, perimeter: { departement: '59', communes: ['59350'] } })
      .then([oriented]);
    given([inLille])
      .when({ type: 'OrientFlat', data: oriented.data as never, perimeter: { departement: '59', epcis: ['200093201'] } })
      .then([oriented]);
  });
  it('refuses a flat of another commune, of another département, or released without its commune', () => {
    given([inLille])
      .when({ type: 'OrientFlat', data: oriented.data as never, perimeter: { departement: '59', communes: ['59599'] } })
      .thenThrows('FLAT_OUTSIDE_PERIMETER');
    given([inLille])
      .when({ type: 'OrientFlat', data: oriented.data as never, perimeter: { departement: '62' } })
      .thenThrows('FLAT_OUTSIDE_PERIMETER');
    given([released()])
      .when({ type: 'OrientFlat', data: oriented.data as never, perimeter: { departement: '59', communes: ['59350'] } })
      .thenThrows('FLAT_OUTSIDE_PERIMETER');
  });
});

describe('Flux ledger (properties)', () => {
  it('never lets the flats oriented to réservataires exceed the net base, whatever the commands', async () => {
    const { default: fc } = await import('fast-check');
    const { foldEvents } = await import('../decider.js');
    const command = fc.oneof(
      fc.record({
        kind: fc.constant('release' as const),
        flat: fc.integer({ min: 0, max: 9 }),
        inNetBase: fc.boolean(),
        day: fc.integer({ min: 1, max: 9 }),
      }),
      fc.record({
        kind: fc.constant('orient' as const),
        flat: fc.integer({ min: 0, max: 9 }),
        reservataire: fc.constantFrom('als', 'etat', 'mel'),
      }),
      fc.record({
        kind: fc.constant('return' as const),
        flat: fc.integer({ min: 0, max: 9 }),
        reservataire: fc.constantFrom('als', 'etat', 'mel'),
      }),
    );
    fc.assert(
      fc.property(fc.array(command, { maxLength: 60 }), (commands) => {
        const events: FluxEvent[] = [];
        for (const c of commands) {
          const rplsId = `r${c.flat}`;
          // One stream per flat: the decider folds that flat's events only.
          const state = foldEvents(fluxDecider, recorded(events.filter((e) => e.data.rplsId === rplsId)));
          try {
            if (c.kind === 'release') {
              events.push(
                ...fluxDecider.decide(
                  {
                    type: 'ReleaseFlat',
                    data: {
                      bailleurId: 'lmh',
                      rplsId,
                      departement: '59',
                      releasedOn: `2026-01-0${c.day}`,
                      inNetBase: c.inNetBase,
                      exclusionReason: c.inNetBase ? null : 'sale',
                    },
                  },
                  state,
                ),
              );
            } else if (c.kind === 'orient') {
              events.push(
                ...fluxDecider.decide(
                  {
                    type: 'OrientFlat',
                    data: {
                      bailleurId: 'lmh',
                      rplsId,
                      reservataireId: c.reservataire,
                      conventionId: c.reservataire,
                      orientedOn: '2026-02-01',
                    },
                  },
                  state,
                ),
              );
            } else {
              events.push(
                ...fluxDecider.decide(
                  {
                    type: 'ReturnFlat',
                    data: {
                      bailleurId: 'lmh',
                      rplsId,
                      reservataireId: c.reservataire,
                      conventionId: c.reservataire,
                      returnedOn: '2026-03-01',
                      reason: 'délai',
                    },
                  },
                  state,
                ),
              );
            }
          } catch {
            // A refused command records nothing.
          }
        }
        // Each net-base release can be oriented at most once: Σ orientations ≤ releases into the net base.
        const netBase = events.filter((e) => e.type === 'FlatReleased' && e.data.inNetBase).length;
        const oriented = events.filter((e) => e.type === 'FlatOrientedToReservataire').length;
        expect(oriented).toBeLessThanOrEqual(netBase);
      }),
    );
  });
});
