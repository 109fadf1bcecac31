import { deciderSpecification, recorded } from '../testing/decider-specification.js';
import {
  conventionAgreed,
  CONVENTION_PARTIES,
  NO_COUNTING_OPTIONS,
  pendingAgreements,
  reservationDecider,
  termsForYear,
  type ReservationEvent,
} from './reservation.js';
import { foldEvents } from '../decider.js';
import { conventionTerms } from '../testing/flux.builders.js';

const { given } = deciderSpecification(reservationDecider);
const terms = conventionTerms({
  conventionId: 'ALS-LMH-59-2025',
  bailleurId: 'lmh',
  countingOptions: { ...NO_COUNTING_OPTIONS, postCalRefusals: { enabled: true, weight: 0.5 } },
  signedOn: '2024-11-30',
});
const both = CONVENTION_PARTIES;
const signed: ReservationEvent = { type: 'ReservationConventionSigned', data: { ...terms, agreedBy: both } };
const revised = (
  fromYear: number,
  fluxShare: number | null,
  annualVolume: number | null,
  agreedBy: readonly ('bailleur' | 'reservataire')[] = both,
): ReservationEvent => ({
  type: 'ConventionRevised',
  data: { conventionId: terms.conventionId, fromYear, fluxShare, annualVolume, reason: 'clause de revoyure', agreedBy },
});
const agreed = (party: 'bailleur' | 'reservataire', revisionFromYear: number | null = null): ReservationEvent => ({
  type: 'ConventionAgreed',
  data: { conventionId: terms.conventionId, party, revisionFromYear, agreedOn: '2025-01-10' },
});

describe('Reservation convention', () => {
  it('is signed with a share of the flux', () => {
    given([])
      .when({ type: 'SignConvention', data: { ...terms, agreedBy: both } })
      .then([signed]);
  });
  it('is signed once', () => {
    given([signed])
      .when({ type: 'SignConvention', data: { ...terms, agreedBy: both } })
      .thenThrows('CONVENTION_ALREADY_SIGNED');
  });
  it('needs a share in (0, 1] or an annual volume, not both', () => {
    given([])
      .when({ type: 'SignConvention', data: { ...terms, fluxShare: 0.25, annualVolume: 120, agreedBy: both } })
      .thenThrows('CONVENTION_TERMS_INVALID');
    given([])
      .when({ type: 'SignConvention', data: { ...terms, fluxShare: 1.5, agreedBy: both } })
      .thenThrows('CONVENTION_TERMS_INVALID');
    given([])
      .when({ type: 'SignConvention', data: { ...terms, fluxShare: null, annualVolume: 120, agreedBy: both } })
      .then([{ type: 'ReservationConventionSigned', data: { ...terms, fluxShare: null, annualVolume: 120, agreedBy: both } }]);
  });
  it('is revised by a new event from a year on (clause de revoyure), never edited', () => {
    given([signed])
      .when({ type: 'ReviseConvention', data: revised(2026, 0.22, null).data as never })
      .then([revised(2026, 0.22, null)]);
    const state = foldEvents(reservationDecider, recorded([signed, revised(2026, 0.22, null), revised(2027, null, 90)]));
    expect(termsForYear(state, 2025)).toEqual({ fluxShare: 0.25, annualVolume: null });
    expect(termsForYear(state, 2026)).toEqual({ fluxShare: 0.22, annualVolume: null });
    expect(termsForYear(state, 2027)).toEqual({ fluxShare: null, annualVolume: 90 });
  });
  it('binds once both parties agreed: recorded by the bailleur, agreed by the réservataire, once', () => {
    const byBailleur: ReservationEvent = { type: 'ReservationConventionSigned', data: { ...terms, agreedBy: ['bailleur'] } };
    expect(conventionAgreed(foldEvents(reservationDecider, recorded([byBailleur])))).toBe(false);
    expect(pendingAgreements(foldEvents(reservationDecider, recorded([byBailleur])))).toEqual([
      { revisionFromYear: null, missing: ['reservataire'] },
    ]);
    given([byBailleur])
      .when({ type: 'AgreeConvention', data: agreed('reservataire').data as never })
      .then([agreed('reservataire')]);
    given([byBailleur, agreed('reservataire')])
      .when({ type: 'AgreeConvention', data: agreed('reservataire').data as never })
      .thenThrows('CONVENTION_ALREADY_AGREED');
    given([byBailleur])
      .when({ type: 'AgreeConvention', data: agreed('bailleur').data as never })
      .thenThrows('CONVENTION_ALREADY_AGREED');
    expect(conventionAgreed(foldEvents(reservationDecider, recorded([byBailleur, agreed('reservataire')])))).toBe(true);
  });
  it('applies a revision only once the other party agreed to it', () => {
    const proposed = revised(2026, 0.3, null, ['reservataire']);
    let state = foldEvents(reservationDecider, recorded([signed, proposed]));
    expect(termsForYear(state, 2026)).toEqual({ fluxShare: 0.25, annualVolume: null });
    expect(pendingAgreements(state)).toEqual([{ revisionFromYear: 2026, missing: ['bailleur'] }]);
    given([signed, proposed])
      .when({ type: 'AgreeConvention', data: agreed('bailleur', 2026).data as never })
      .then([agreed('bailleur', 2026)]);
    given([signed, proposed])
      .when({ type: 'AgreeConvention', data: agreed('bailleur', 2027).data as never })
      .thenThrows('CONVENTION_REVISION_NOT_FOUND');
    state = foldEvents(reservationDecider, recorded([signed, proposed, agreed('bailleur', 2026)]));
    expect(termsForYear(state, 2026)).toEqual({ fluxShare: 0.3, annualVolume: null });
    expect(pendingAgreements(state)).toEqual([]);
  });
  it('counts a convention recorded before agreements were tracked as agreed by both', () => {
    const legacy: ReservationEvent = { type: 'ReservationConventionSigned', data: terms };
    expect(conventionAgreed(foldEvents(reservationDecider, recorded([legacy])))).toBe(true);
  });
  it('cannot be revised before it is signed', () => {
    given([])
      .when({ type: 'ReviseConvention', data: revised(2026, 0.2, null).data as never })
      .thenThrows('CONVENTION_NOT_FOUND');
  });
});
