import { addDays } from '../calendar/paris-calendar.js';
import { attributionDecider } from './attribution.decider.js';
import { deciderSpecification } from '../testing/decider-specification.js';
import {
  correctLease,
  calDecisionRecorded,
  leaseSigned,
  MEL_REFERENTIAL,
  offerDeclined,
  recordSignedLease,
} from '../testing/attribution.builders.js';

const { given } = deciderSpecification(attributionDecider);
const NOW = new Date('2026-11-25T10:00:00Z');
const recordCal = (event = calDecisionRecorded()) => ({
  type: 'RecordCalDecision' as const,
  data: event.data,
  referential: MEL_REFERENTIAL,
  now: NOW,
});

describe('CAL decision lifecycle of a case', () => {
  describe('with no decision yet', () => {
    it('records the CAL decision with its ranked candidates', () => {
      given([]).when(recordCal()).then([calDecisionRecorded()]);
    });

    it('refuses two candidates with the same rank', () => {
      given([])
        .when(
          recordCal(
            calDecisionRecorded([
              { rank: 1, householdPseudonymousId: 'hh-a', decision: 'attribution' },
              { rank: 1, householdPseudonymousId: 'hh-b', decision: 'non_attribution' },
            ]),
          ),
        )
        .thenThrows('CAL_CANDIDATES_INVALID');
    });

    it('refuses a CAL date after the day it is reported', () => {
      const event = calDecisionRecorded();
      given([])
        .when({ ...recordCal(), data: { ...event.data, calDate: '2026-12-01' } })
        .thenThrows('CAL_DATE_IN_FUTURE');
    });

    it('refuses a flat whose commune is not in the EPCI it names', () => {
      given([])
        .when({
          ...recordCal(),
          referential: { ...MEL_REFERENTIAL, epcis: { '200093201': { registered: [], official: ['59512'] } } },
        })
        .thenThrows('COMMUNE_NOT_IN_EPCI');
    });

    it('accepts a lease anyway, with no CAL decision to link: a data-quality flag', () => {
      given([])
        .when(recordSignedLease())
        .then([leaseSigned({ calDecisionEventId: null })]);
    });

    it('has no offer to decline', () => {
      given([]).when({ type: 'DeclineOffer', data: offerDeclined().data, now: NOW }).thenThrows('OFFER_NOT_FOUND');
    });
  });

  describe('with an attribution decision', () => {
    it('links the lease of the household it attributed the flat to: the decision’s event id comes from the stream', () => {
      given([calDecisionRecorded()])
        .when(recordSignedLease())
        .then([leaseSigned({ calDecisionEventId: 'ev-1' })]);
    });

    it('links to the decision that named the household, when the case went through two CALs', () => {
      const second = calDecisionRecorded([{ rank: 1, householdPseudonymousId: 'hh-3f2a9c', decision: 'attribution' }]);
      const first = calDecisionRecorded([{ rank: 1, householdPseudonymousId: 'hh-other', decision: 'attribution' }]);
      given([first, second])
        .when(recordSignedLease())
        .then([leaseSigned({ calDecisionEventId: 'ev-2' })]);
    });

    it('does not link a lease signed before the commission decided: flagged as without CAL decision', () => {
      const lease = recordSignedLease();
      const decided = calDecisionRecorded();
      const later = { ...decided, data: { ...decided.data, calDate: addDays(lease.data.leaseDate, 1) } };
      given([later])
        .when(lease)
        .then([leaseSigned({ calDecisionEventId: null })]);
    });

    it('links a lease signed on the day of the decision', () => {
      const lease = recordSignedLease();
      const decided = calDecisionRecorded();
      given([{ ...decided, data: { ...decided.data, calDate: lease.data.leaseDate } }])
        .when(lease)
        .then([leaseSigned({ calDecisionEventId: 'ev-1' })]);
    });

    it('does not link a lease on another flat than the one the commission examined: flagged as without CAL decision', () => {
      const lease = recordSignedLease();
      const otherFlat = { ...lease.data.flat, rplsId: `${lease.data.flat.rplsId}9` };
      given([calDecisionRecorded()])
        .when({ ...lease, data: { ...lease.data, flat: otherFlat } })
        .then([leaseSigned({ flat: otherFlat, calDecisionEventId: null })]);
    });

    it('unlinks a lease corrected onto another flat than the one the commission examined', () => {
      const linked = leaseSigned({ calDecisionEventId: 'ev-1' });
      const { calDecisionEventId: _linkedTo, ...facts } = linked.data;
      const moved = { ...facts, flat: { ...facts.flat, rplsId: `${facts.flat.rplsId}9` } };
      given([calDecisionRecorded(), linked])
        .when(correctLease(moved, 'erreur de logement'))
        .then([
          {
            type: 'LeaseCorrected',
            data: { lease: { ...moved, calDecisionEventId: null }, reason: 'erreur de logement', correctsEventId: 'ev-2' },
          },
        ]);
    });

    it('does not link a household the CAL did not attribute the flat to', () => {
      const notAttributed = calDecisionRecorded([{ rank: 1, householdPseudonymousId: 'hh-3f2a9c', decision: 'non_attribution' }]);
      given([notAttributed])
        .when(recordSignedLease())
        .then([leaseSigned({ calDecisionEventId: null })]);
    });

    it('records that the chosen household declined the offer', () => {
      given([calDecisionRecorded()]).when({ type: 'DeclineOffer', data: offerDeclined().data, now: NOW }).then([offerDeclined()]);
    });

    it('does not find the offer when another bailleur or another case addresses it', () => {
      for (const addressed of [{ bailleurId: 'lille-metropole-habitat-x' }, { caseId: 'DOSSIER-0002' }]) {
        given([calDecisionRecorded()])
          .when({ type: 'DeclineOffer', data: { ...offerDeclined().data, ...addressed }, now: NOW })
          .thenThrows('OFFER_NOT_FOUND');
      }
    });

    it('refuses a CAL decision of another case on this case’s stream', () => {
      const other = calDecisionRecorded();
      given([calDecisionRecorded()])
        .when({ type: 'RecordCalDecision', data: { ...other.data, bailleurId: 'lmh-x' }, referential: MEL_REFERENTIAL, now: NOW })
        .thenThrows('CASE_MISMATCH');
    });

    it('refuses a refusal from a household the CAL did not attribute the flat to', () => {
      given([calDecisionRecorded()])
        .when({ type: 'DeclineOffer', data: offerDeclined('hh-000003').data, now: NOW })
        .thenThrows('OFFER_NOT_FOUND');
    });
  });

  describe('after the chosen household declined', () => {
    it('refuses a lease for that household', () => {
      given([calDecisionRecorded(), offerDeclined()]).when(recordSignedLease()).thenThrows('LEASE_AFTER_DECLINED_OFFER');
    });

    it('accepts the lease of the next candidate, linked to the same decision', () => {
      const next = {
        ...recordSignedLease(),
        data: { ...recordSignedLease().data, household: { ...recordSignedLease().data.household, pseudonymousId: 'hh-000002' } },
      };
      given([calDecisionRecorded(), offerDeclined()])
        .when(next)
        .then([leaseSigned({ household: { pseudonymousId: 'hh-000002' }, calDecisionEventId: 'ev-1' })]);
    });
  });

  describe('once leased', () => {
    it('refuses a new CAL decision and a refusal', () => {
      given([calDecisionRecorded(), leaseSigned()]).when(recordCal()).thenThrows('CASE_ALREADY_LEASED');
      given([calDecisionRecorded(), leaseSigned()])
        .when({ type: 'DeclineOffer', data: offerDeclined().data, now: NOW })
        .thenThrows('CASE_ALREADY_LEASED');
    });
  });
});
