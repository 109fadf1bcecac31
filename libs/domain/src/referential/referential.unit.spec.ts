import { deciderSpecification } from '../testing/decider-specification.js';
import { qpvVersionOn, referentialDecider, type QpvEntry, type RecordedLeaseRef } from './referential.js';
import type { EpciSources } from './territory.js';

const { given } = deciderSpecification(referentialDecider);
const qpv2015: QpvEntry = {
  code: 'QP059001',
  name: 'Lille Sud',
  list: '2015',
  communes: ['59350'],
  validFrom: '2015-01-01',
  validTo: '2023-12-31',
};

describe('Referential entry', () => {
  it('registers a new entry', () => {
    given([])
      .when({ type: 'RegisterReferentialEntry', kind: 'qpv', data: qpv2015 })
      .then([{ type: 'QpvRegistered', data: qpv2015 }]);
  });

  it('records nothing when the same attributes are registered again', () => {
    given([{ type: 'QpvRegistered', data: qpv2015 }])
      .when({ type: 'RegisterReferentialEntry', kind: 'qpv', data: { ...qpv2015 } })
      .then([]);
  });

  it('records an update when attributes change', () => {
    const renamed = { ...qpv2015, name: 'Lille Sud (Faubourg des Postes)' };
    given([{ type: 'QpvRegistered', data: qpv2015 }])
      .when({ type: 'RegisterReferentialEntry', kind: 'qpv', data: renamed })
      .then([{ type: 'QpvUpdated', data: renamed }]);
  });

  it('refuses a QPV that ends before it starts', () => {
    given([])
      .when({ type: 'RegisterReferentialEntry', kind: 'qpv', data: { ...qpv2015, validTo: '2014-12-31' } })
      .thenThrows('QPV_VALIDITY_INVALID');
  });

  it('tells whether a QPV is in force on a date (2015 list until 31 Dec 2023)', () => {
    expect(qpvVersionOn([qpv2015], '2023-12-31')).toBe(qpv2015);
    expect(qpvVersionOn([qpv2015], '2024-01-01')).toBeNull();
    expect(qpvVersionOn([qpv2015], '2014-12-31')).toBeNull();
    expect(qpvVersionOn([{ ...qpv2015, validFrom: '2024-01-01', validTo: null }], '2031-06-01')).not.toBeNull();
  });
});

describe('A commune belongs to one EPCI on a given day', () => {
  const register = (communes: string[], validFrom: string | undefined, otherEpcis: Record<string, EpciSources>) => ({
    type: 'RegisterReferentialEntry' as const,
    kind: 'epci' as const,
    data: { siren: 'B', name: 'B', communes, ...(validFrom ? { validFrom } : {}) },
    otherEpcis,
  });
  // A holds 59009 officially; from 2027 its registered composition no longer does.
  const aLeaves: Record<string, EpciSources> = {
    A: { official: ['59009', '59350'], registered: [{ siren: 'A', communes: ['59350'], validFrom: '2027-01-01' }] },
  };

  it('refuses a composition holding a commune another EPCI holds on its first day, naming both', () => {
    given([])
      .when(register(['59009'], '2026-01-01', aLeaves))
      .thenThrows('COMMUNE_IN_ANOTHER_EPCI', { commune: '59009', otherEpciSiren: 'A', on: '2026-01-01' });
  });

  it('accepts it from the day the other EPCI lets the commune go', () => {
    const data = { siren: 'B', name: 'B', communes: ['59009'], validFrom: '2027-01-01' };
    given([])
      .when(register(['59009'], '2027-01-01', aLeaves))
      .then([{ type: 'EpciRegistered', data }]);
  });

  it('refuses a composition the other EPCI takes the commune back during', () => {
    const aReturns: Record<string, EpciSources> = {
      A: {
        official: null,
        registered: [
          { siren: 'A', communes: ['59350'] },
          { siren: 'A', communes: ['59009'], validFrom: '2028-01-01' },
        ],
      },
    };
    given([])
      .when(register(['59009'], '2027-01-01', aReturns))
      .thenThrows('COMMUNE_IN_ANOTHER_EPCI', { commune: '59009', otherEpciSiren: 'A', on: '2028-01-01' });
  });
});

describe('A QPV re-registered from a date (its versions)', () => {
  const lilleSud: QpvEntry = { ...qpv2015, code: 'QN05901M', list: '2024', validFrom: '2024-01-01', validTo: null };
  const moved: QpvEntry = { ...lilleSud, communes: ['62041'], validFrom: '2026-01-01' };
  const registered = [{ type: 'QpvRegistered' as const, data: lilleSud }];
  const lease = (leaseId: string, leaseDate: string, communeInsee = '59350'): RecordedLeaseRef => ({
    leaseId,
    bailleurId: 'lmh',
    leaseDate,
    communeInsee,
    membershipCommune: communeInsee,
  });
  const register = (data: QpvEntry, recordedLeases: RecordedLeaseRef[]) => ({
    type: 'RegisterReferentialEntry' as const,
    kind: 'qpv' as const,
    data,
    recordedLeases,
  });

  it('records a version from 2026 beside the one of 2024: each is in force on its own days', () => {
    given(registered)
      .when(register(moved, [lease('L-2025', '2025-06-10')]))
      .then([{ type: 'QpvUpdated', data: moved }]);
    const versions = [lilleSud, moved];
    expect(qpvVersionOn(versions, '2025-12-31')?.communes).toEqual(['59350']);
    expect(qpvVersionOn(versions, '2026-01-01')?.communes).toEqual(['62041']);
    expect(qpvVersionOn(versions, '2023-12-31')).toBeNull();
  });

  it('refuses a version that would take a recorded lease out of the QPV on its date, naming the leases and the last date', () => {
    given(registered)
      .when(
        register({ ...moved, validFrom: '2025-01-01' }, [
          lease('L-2024', '2024-05-02'),
          lease('L-B', '2025-06-10'),
          lease('L-A', '2025-03-01'),
        ]),
      )
      .thenThrows('REFERENTIAL_CHANGE_CONTRADICTS_LEASES', {
        kind: 'qpv',
        id: 'QN05901M',
        field: 'validFrom',
        validFrom: '2025-01-01',
        leaseCount: 2,
        firstLeaseDate: '2025-03-01',
        lastLeaseDate: '2025-06-10',
        leases: [
          { leaseId: 'L-A', bailleurId: 'lmh', leaseDate: '2025-03-01', communeInsee: '59350' },
          { leaseId: 'L-B', bailleurId: 'lmh', leaseDate: '2025-06-10', communeInsee: '59350' },
        ],
      });
  });

  it('refuses shortening the QPV’s period before a recorded lease, and accepts it after the last one', () => {
    given(registered)
      .when(register({ ...lilleSud, validTo: '2025-06-09' }, [lease('L-1', '2025-06-10')]))
      .thenThrows('REFERENTIAL_CHANGE_CONTRADICTS_LEASES', { validFrom: '2024-01-01', lastLeaseDate: '2025-06-10' });
    given(registered)
      .when(register({ ...lilleSud, validTo: '2025-06-10' }, [lease('L-1', '2025-06-10')]))
      .then([{ type: 'QpvUpdated', data: { ...lilleSud, validTo: '2025-06-10' } }]);
  });

  it('accepts a new version the recorded leases still agree with (a new name)', () => {
    const renamed = { ...lilleSud, name: 'Lille Sud – Faubourg des Postes' };
    given(registered)
      .when(register(renamed, [lease('L-1', '2025-06-10')]))
      .then([{ type: 'QpvUpdated', data: renamed }]);
  });
});

describe('An EPCI composition from a date, against the leases recorded for the EPCI', () => {
  const cud = { siren: '245900428', name: 'CU de Dunkerque', communes: ['59183', '59260'], validFrom: '2026-01-01' };
  const without = { ...cud, communes: ['59183'] };
  const lease = (leaseDate: string): RecordedLeaseRef => ({
    leaseId: `L-${leaseDate}`,
    bailleurId: 'partenord',
    leaseDate,
    communeInsee: '59260',
    membershipCommune: '59260',
  });
  const register = (data: typeof cud, recordedLeases: RecordedLeaseRef[]) => ({
    type: 'RegisterReferentialEntry' as const,
    kind: 'epci' as const,
    data,
    official: ['59183', '59260'],
    otherEpcis: {},
    recordedLeases,
  });

  it('accepts Ghyvelde leaving from 2026 when its leases recorded for the EPCI are of 2025 (the official members count then)', () => {
    given([{ type: 'EpciRegistered', data: cud }])
      .when(register(without, [lease('2025-12-16')]))
      .then([{ type: 'EpciUpdated', data: without }]);
  });

  it('refuses a first registered composition that drops a commune whose lease counted under the official one', () => {
    given([])
      .when(register({ ...without, validFrom: '2025-01-01' }, [lease('2025-12-16')]))
      .thenThrows('REFERENTIAL_CHANGE_CONTRADICTS_LEASES', { kind: 'epci', id: '245900428', validFrom: '2025-01-01' });
  });

  it('refuses it while a 2026 lease of Ghyvelde is recorded for the EPCI', () => {
    given([{ type: 'EpciRegistered', data: cud }])
      .when(register(without, [lease('2025-12-16'), lease('2026-02-16')]))
      .thenThrows('REFERENTIAL_CHANGE_CONTRADICTS_LEASES', { kind: 'epci', leaseCount: 1, lastLeaseDate: '2026-02-16' });
  });
});

describe('A réservataire’s kind, once leases count for it', () => {
  const ville = { id: 'ville-de-lille', name: 'Ville de Lille', kind: 'collectivite' as const };
  const counted: RecordedLeaseRef[] = [
    { leaseId: 'L-1', bailleurId: 'lmh', leaseDate: '2025-06-10', communeInsee: '59350', membershipCommune: '59350' },
  ];
  const register = (data: typeof ville | (Omit<typeof ville, 'kind'> & { kind: 'etat' }), recordedLeases = counted) => ({
    type: 'RegisterReferentialEntry' as const,
    kind: 'reservataire' as const,
    data,
    recordedLeases,
  });

  it('is refused: the État has no PRIO target, a changed kind would change the figures already counted', () => {
    given([{ type: 'ReservataireRegistered', data: ville }])
      .when(register({ ...ville, kind: 'etat' }))
      .thenThrows('REFERENTIAL_CHANGE_CONTRADICTS_LEASES', {
        kind: 'reservataire',
        field: 'kind',
        currentKind: 'collectivite',
        leaseCount: 1,
      });
  });

  it('is refused once a convention is signed with it, even before any lease: the préfet contingent check would appear on past years', () => {
    given([{ type: 'ReservataireRegistered', data: ville }])
      .when({ ...register({ ...ville, kind: 'etat' }, []), conventionIds: ['CONV-VILLE-2025'] })
      .thenThrows('REFERENTIAL_CHANGE_CONTRADICTS_LEASES', {
        field: 'kind',
        leaseCount: 0,
        firstLeaseDate: null,
        conventionCount: 1,
        conventions: ['CONV-VILLE-2025'],
      });
  });

  it('may change while no lease counts for it and no convention is signed with it, and its name may change at any time', () => {
    given([{ type: 'ReservataireRegistered', data: ville }])
      .when({ ...register({ ...ville, kind: 'etat' }, []), conventionIds: [] })
      .then([{ type: 'ReservataireUpdated', data: { ...ville, kind: 'etat' } }]);
    given([{ type: 'ReservataireRegistered', data: ville }])
      .when(register({ ...ville, name: 'Ville de Lille (CCAS)' }))
      .then([{ type: 'ReservataireUpdated', data: { ...ville, name: 'Ville de Lille (CCAS)' } }]);
  });
});
