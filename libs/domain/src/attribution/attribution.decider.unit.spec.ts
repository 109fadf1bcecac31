import { attributionDecider } from './attribution.decider.js';
import { deciderSpecification } from '../testing/decider-specification.js';
import { leaseSigned, recordSignedLease } from '../testing/attribution.builders.js';

const { given } = deciderSpecification(attributionDecider);

describe('Attribution case', () => {
  describe('with no lease yet', () => {
    it('records the signed lease as the counting event', () => {
      given([])
        .when(recordSignedLease({ leaseId: 'BAIL-42' }))
        .then([leaseSigned({ leaseId: 'BAIL-42' })]);
    });

    it('accepts a lease signed on the day it is reported', () => {
      given([])
        .when(recordSignedLease({ leaseDate: '2026-11-25' }, new Date('2026-11-25T23:59:00Z')))
        .then([leaseSigned({ leaseDate: '2026-11-25' })]);
    });

    it('refuses a lease dated after the day it is reported', () => {
      given([])
        .when(recordSignedLease({ leaseDate: '2026-11-26' }, new Date('2026-11-25T23:59:00Z')))
        .thenThrows('LEASE_DATE_IN_FUTURE', { leaseDate: '2026-11-26', today: '2026-11-25' });
    });
  });

  describe('with a lease already signed', () => {
    it('refuses a second lease on the same case', () => {
      given([leaseSigned({ leaseId: 'BAIL-1' })])
        .when(recordSignedLease({ leaseId: 'BAIL-2' }))
        .thenThrows('LEASE_ALREADY_SIGNED', { existingLeaseId: 'BAIL-1' });
    });
  });
});
