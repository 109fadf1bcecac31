import { deciderSpecification } from '../testing/decider-specification.js';
import { leaseSignedData } from '../testing/attribution.builders.js';
import { bailleurBilan, bilanDecider } from './bilan.js';
import type { FluxEvent } from './flux-ledger.js';
import { fluxFactsOf } from './convention-flux.js';

const { given } = deciderSpecification(bilanDecider);
const closed = { type: 'FluxBilanClosed' as const, data: { bailleurId: 'lmh', year: 2025, closedOn: '2026-02-20' } };

describe('Annual bilan', () => {
  it('closes a past year once', () => {
    given([]).when({ type: 'CloseBilan', data: closed.data }).then([closed]);
    given([closed]).when({ type: 'CloseBilan', data: closed.data }).thenThrows('BILAN_ALREADY_CLOSED');
  });
  it('cannot close a year that is not over', () => {
    given([])
      .when({ type: 'CloseBilan', data: { bailleurId: 'lmh', year: 2026, closedOn: '2026-11-25' } })
      .thenThrows('BILAN_YEAR_NOT_OVER');
  });

  const release = (n: number): FluxEvent => ({
    type: 'FlatReleased',
    data: {
      bailleurId: 'lmh',
      rplsId: `r${n}`,
      departement: '59',
      releasedOn: '2025-03-01',
      inNetBase: true,
      exclusionReason: null,
    },
  });
  const orient = (n: number, reservataireId: string): FluxEvent => ({
    type: 'FlatOrientedToReservataire',
    data: { bailleurId: 'lmh', rplsId: `r${n}`, reservataireId, conventionId: `c-${reservataireId}`, orientedOn: '2025-03-02' },
  });
  const flux = [
    ...Array.from({ length: 10 }, (_, n) => release(n)),
    orient(0, 'etat-59'),
    orient(1, 'etat-59'),
    orient(2, 'etat-59'),
    orient(3, 'action-logement'),
  ];
  const leases = [
    {
      lease: leaseSignedData({ leaseId: 'a', reservataireId: 'etat-59', leaseDate: '2025-04-01', flags: { publicAgent: true } }),
      position: 10,
    },
    {
      lease: leaseSignedData({
        leaseId: 'b',
        reservataireId: 'action-logement',
        leaseDate: '2025-04-02',
        flat: { typology: 'T2', qpvCode: 'QN05901M' },
      }),
      position: 11,
    },
    {
      lease: leaseSignedData({ leaseId: 'c', reservataireId: null, leaseDate: '2025-04-03', flags: { internalMutation: true } }),
      position: 12,
    },
    { lease: leaseSignedData({ leaseId: 'late', reservataireId: null, leaseDate: '2025-12-20' }), position: 40 },
  ];

  it('breaks the year down by réservataire, typology, financing, QPV side and commune', () => {
    const bilan = bailleurBilan({
      bailleurId: 'lmh',
      year: 2025,
      leases,
      flux: fluxFactsOf(flux),
      etatReservataires: new Set(['etat-59']),
      closurePosition: null,
    });
    expect(bilan).toMatchObject({
      leases: 4,
      byReservataire: { 'etat-59': 1, 'action-logement': 1, non_reserve: 2 },
      byTypology: { T3: 3, T2: 1 },
      byQpv: { inQpv: 1, outsideQpv: 3 },
      internalMutations: 1,
      closed: false,
      dueDate: '2026-02-28',
      lateFacts: 0,
    });
  });

  it('checks the préfet contingent: 3 of 10 flats is exactly 30 %, within limits; public agents 1 of 10 is over 5 %', () => {
    const bilan = bailleurBilan({
      bailleurId: 'lmh',
      year: 2025,
      leases,
      flux: fluxFactsOf(flux),
      etatReservataires: new Set(['etat-59']),
      closurePosition: null,
    });
    expect(bilan.contingent).toEqual([
      expect.objectContaining({
        departement: '59',
        netBase: 10,
        orientedToEtat: 3,
        leasesOnEtatFlux: 1,
        publicAgentLeases: 1,
        etatShare: 0.3,
        etatLeaseShare: 0.1,
        publicAgentShare: 0.1,
        withinLimits: false,
      }),
    ]);
    expect(bilan.contingent[0]).toMatchObject({
      oriented: { count: 3, share: 0.3, limit: 0.3, withinLimit: true },
      leases: { count: 1, share: 0.1, limit: 0.3, withinLimit: true },
      publicAgents: { count: 1, share: 0.1, limit: 0.05, withinLimit: false },
    });
  });

  it('counts each flux fact in the year of its own date: a December release, a January orientation', () => {
    const crossing = fluxFactsOf([
      { ...release(50), data: { ...release(50).data, releasedOn: '2024-12-30' } } as FluxEvent,
      { ...orient(50, 'etat-59'), data: { ...orient(50, 'etat-59').data, orientedOn: '2025-01-02' } } as FluxEvent,
    ]);
    const of = (year: number) =>
      bailleurBilan({
        bailleurId: 'lmh',
        year,
        leases: [],
        flux: crossing,
        etatReservataires: new Set(['etat-59']),
        closurePosition: null,
      }).contingent;
    expect(of(2024)).toMatchObject([{ departement: '59', netBase: 1, orientedToEtat: 0 }]);
    expect(of(2025)).toMatchObject([{ departement: '59', netBase: 0, orientedToEtat: 1 }]);
  });

  it('reads the contingent both ways: leases signed on the État’s flux over 30 % while its orientations are within', () => {
    const etatLeases = Array.from({ length: 4 }, (_, n) => ({
      lease: leaseSignedData({ leaseId: `e${n}`, reservataireId: 'etat-59', leaseDate: '2025-05-01' }),
      position: 20 + n,
    }));
    const [check] = bailleurBilan({
      bailleurId: 'lmh',
      year: 2025,
      leases: etatLeases,
      flux: fluxFactsOf(flux),
      etatReservataires: new Set(['etat-59']),
      closurePosition: null,
    }).contingent;
    expect(check).toMatchObject({
      oriented: { count: 3, withinLimit: true },
      leases: { count: 4, share: 0.4, withinLimit: false },
      withinLimits: false,
    });
  });

  it('keeps facts recorded after the closure apart', () => {
    const bilan = bailleurBilan({
      bailleurId: 'lmh',
      year: 2025,
      leases,
      flux: fluxFactsOf(flux),
      etatReservataires: new Set(['etat-59']),
      closurePosition: 30,
    });
    expect(bilan).toMatchObject({ leases: 3, closed: true, lateFacts: 1 });
  });
});
