import { deciderSpecification, recorded } from '../testing/decider-specification.js';
import { departementOfCommune, fluxDecider, type FluxEvent } from './flux-ledger.js';

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

describe('Flux of a bailleur for a year', () => {
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
  it('knows the département of a commune: two characters, 2A / 2B in Corsica, three overseas (97x and 98x)', () => {
    expect(['59350', '2A004', '2B033', '97411', '98735'].map(departementOfCommune)).toEqual(['59', '2A', '2B', '974', '987']);
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
          const state = foldEvents(fluxDecider, recorded(events));
          const rplsId = `r${c.flat}`;
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
