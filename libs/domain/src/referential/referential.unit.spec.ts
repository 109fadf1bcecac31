import { deciderSpecification } from '../testing/decider-specification.js';
import { qpvInForce, referentialDecider, type QpvEntry } from './referential.js';
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
    expect(qpvInForce(qpv2015, '2023-12-31')).toBe(true);
    expect(qpvInForce(qpv2015, '2024-01-01')).toBe(false);
    expect(qpvInForce({ validFrom: '2024-01-01', validTo: null }, '2031-06-01')).toBe(true);
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
