import { deciderSpecification } from '../testing/decider-specification.js';
import {
  NO_COUNTING_OPTIONS,
  reservationDecider,
  termsForYear,
  type ConventionTerms,
  type ReservationEvent,
} from './reservation.js';
import { foldEvents } from '../decider.js';

const { given } = deciderSpecification(reservationDecider);
const terms: ConventionTerms = {
  conventionId: 'ALS-LMH-59-2025',
  bailleurId: 'lmh',
  reservataireId: 'action-logement',
  departement: '59',
  period: { startYear: 2025, endYear: 2027 },
  fluxShare: 0.25,
  annualVolume: null,
  gestionMode: 'directe',
  countingOptions: { ...NO_COUNTING_OPTIONS, postCalRefusals: { enabled: true, weight: 0.5 } },
  signedOn: '2024-11-30',
};
const signed: ReservationEvent = { type: 'ReservationConventionSigned', data: terms };
const revised = (fromYear: number, fluxShare: number | null, annualVolume: number | null): ReservationEvent => ({
  type: 'ConventionRevised',
  data: { conventionId: terms.conventionId, fromYear, fluxShare, annualVolume, reason: 'clause de revoyure' },
});

describe('Reservation convention', () => {
  it('is signed with a share of the flux', () => {
    given([]).when({ type: 'SignConvention', data: terms }).then([signed]);
  });
  it('is signed once', () => {
    given([signed]).when({ type: 'SignConvention', data: terms }).thenThrows('CONVENTION_ALREADY_SIGNED');
  });
  it('needs a share in (0, 1] or an annual volume, not both', () => {
    given([])
      .when({ type: 'SignConvention', data: { ...terms, fluxShare: 0.25, annualVolume: 120 } })
      .thenThrows('CONVENTION_TERMS_INVALID');
    given([])
      .when({ type: 'SignConvention', data: { ...terms, fluxShare: 1.5 } })
      .thenThrows('CONVENTION_TERMS_INVALID');
    given([])
      .when({ type: 'SignConvention', data: { ...terms, fluxShare: null, annualVolume: 120 } })
      .then([{ type: 'ReservationConventionSigned', data: { ...terms, fluxShare: null, annualVolume: 120 } }]);
  });
  it('is revised by a new event from a year on (clause de revoyure), never edited', () => {
    given([signed])
      .when({ type: 'ReviseConvention', data: revised(2026, 0.22, null).data as never })
      .then([revised(2026, 0.22, null)]);
    const state = foldEvents(reservationDecider, [signed, revised(2026, 0.22, null), revised(2027, null, 90)]);
    expect(termsForYear(state, 2025)).toEqual({ fluxShare: 0.25, annualVolume: null });
    expect(termsForYear(state, 2026)).toEqual({ fluxShare: 0.22, annualVolume: null });
    expect(termsForYear(state, 2027)).toEqual({ fluxShare: null, annualVolume: 90 });
  });
  it('cannot be revised before it is signed', () => {
    given([])
      .when({ type: 'ReviseConvention', data: revised(2026, 0.2, null).data as never })
      .thenThrows('CONVENTION_NOT_FOUND');
  });
});
