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

describe('A stock → flux conversion adopted for a convention', () => {
  // Seed 003: 20 000 flats × 10 % = 2 000, minus 400 excluded = 1 600; 600 × 6 × 10 % + 400 × 15 × 10 % = 960, 320 a year.
  const input = {
    stock: 20_000,
    turnoverRates: [0.09, 0.1, 0.11],
    exclusions: { mutationsInternes: 300, ventesHlm: 100 },
    method: 'per_convention' as const,
    conventions: [
      { id: 'A', rights: 600, remainingYears: 6 },
      { id: 'B', rights: 400, remainingYears: 15 },
    ],
    spreadOverYears: 3,
    firstYear: 2026,
  };
  const command = {
    type: 'RecordStockConversion' as const,
    data: { conventionId: terms.conventionId, input, adoptedOn: '2025-12-15', agreedBy: both },
  };
  const converted: ReservationEvent = {
    type: 'StockConverted',
    data: {
      conventionId: terms.conventionId,
      input,
      owed: 960,
      yearly: [
        { year: 2026, rehousings: 320 },
        { year: 2027, rehousings: 320 },
        { year: 2028, rehousings: 320 },
      ],
      adoptedOn: '2025-12-15',
      agreedBy: both,
    },
  };
  it('records it on the convention’s stream with the seed’s numbers, once per first year', () => {
    given([signed]).when(command).then([converted]);
    given([signed, converted]).when(command).thenThrows('STOCK_CONVERSION_ALREADY_RECORDED');
    expect(foldEvents(reservationDecider, recorded([signed, converted])).stockConversions).toEqual([converted.data]);
  });
  it('refuses an incoherent conversion, and a convention never signed', () => {
    given([signed])
      .when({ ...command, data: { ...command.data, input: { ...input, exclusions: { ventesHlm: 5_000 } } } })
      .thenThrows('STOCK_CONVERSION_INVALID');
    given([]).when(command).thenThrows('CONVENTION_NOT_FOUND');
  });
});

describe('An a-posteriori validation recorded by the réservataire', () => {
  const validation = {
    conventionId: terms.conventionId,
    bailleurId: 'lmh',
    leaseId: 'B-1',
    rplsId: '59001',
    communeInsee: '59350',
    epciSiren: '200093201',
    validatedOn: '2026-04-01',
  };
  it('records a lease once', () => {
    const recorded: ReservationEvent = { type: 'APosterioriValidationRecorded', data: validation };
    given([signed]).when({ type: 'RecordAPosterioriValidation', data: validation }).then([recorded]);
    given([signed, recorded])
      .when({ type: 'RecordAPosterioriValidation', data: validation })
      .thenThrows('VALIDATION_ALREADY_RECORDED');
  });
});
