import {
  NO_HOUSEHOLD_FLAGS,
  type CalDecision,
  type CalDecisionRecorded,
  type LeaseSigned,
  type LeaseSignedData,
  type OfferDeclined,
} from '../attribution/attribution.events.js';
import type { CorrectLease, LeaseReferentialContext, RecordSignedLease } from '../attribution/attribution.commands.js';

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object | null ? DeepPartial<NonNullable<T[K]>> | T[K] : T[K] };

/** A plausible signed lease in Lille (MEL), outside QPV, non réservé; override what a spec cares about. */
export function leaseSignedData(overrides: DeepPartial<LeaseSignedData> = {}): LeaseSignedData {
  const base: LeaseSignedData = {
    leaseId: 'BAIL-0001',
    caseId: 'DOSSIER-0001',
    bailleurId: 'lille-metropole-habitat',
    leaseDate: '2026-03-15',
    flat: {
      rplsId: '5935000000001',
      communeInsee: '59350',
      epciSiren: '200093201',
      qpvCode: null,
      typology: 'T3',
      financing: 'PLUS',
    },
    household: {
      pseudonymousId: 'hh-3f2a9c',
      composition: { personsAged14OrMore: 2, childrenUnder14: 1 },
      yearlyResources: 18_000,
    },
    flags: NO_HOUSEHOLD_FLAGS,
    reservataireId: null,
    gestionMode: 'directe',
  };
  return {
    ...base,
    ...overrides,
    flat: { ...base.flat, ...overrides.flat },
    household: {
      ...base.household,
      ...overrides.household,
      composition: { ...base.household.composition, ...overrides.household?.composition },
    },
    flags: { ...base.flags, ...overrides.flags },
  } as LeaseSignedData;
}

/** A LeaseSigned as the decider emits it: with its link to the CAL decision (none by default). */
export function leaseSigned(overrides: DeepPartial<LeaseSignedData> = {}): LeaseSigned {
  return { type: 'LeaseSigned', data: { calDecisionEventId: null, ...leaseSignedData(overrides) } };
}

export function calDecisionRecorded(
  candidates: Array<{ rank: number; householdPseudonymousId: string; decision: CalDecision }> = [
    { rank: 1, householdPseudonymousId: 'hh-3f2a9c', decision: 'attribution' },
    { rank: 2, householdPseudonymousId: 'hh-000002', decision: 'attribution_sous_condition' },
    { rank: 3, householdPseudonymousId: 'hh-000003', decision: 'non_attribution' },
  ],
): CalDecisionRecorded {
  const lease = leaseSignedData();
  return {
    type: 'CalDecisionRecorded',
    data: {
      caseId: lease.caseId,
      bailleurId: lease.bailleurId,
      calDate: '2026-03-01',
      flat: lease.flat,
      candidates,
      reservataireId: null,
    },
  };
}

export function offerDeclined(householdPseudonymousId = 'hh-3f2a9c'): OfferDeclined {
  const lease = leaseSignedData();
  return {
    type: 'OfferDeclined',
    data: {
      caseId: lease.caseId,
      bailleurId: lease.bailleurId,
      householdPseudonymousId,
      declinedOn: '2026-03-05',
      reason: 'logement trop éloigné',
    },
  };
}

/** Every organisation a spec names is registered. */
export const EVERYONE_REGISTERED = {
  bailleur: { registered: true, closest: [] },
  reservataire: { registered: true, closest: [] },
} as const;

/**
 * A referential in which `commune` belongs, officially, to `epciSiren` (the MEL holding only Lille):
 * enough for a spec to say "this commune is in that EPCI" without the 35 000 communes.
 */
export function officialReferential(commune: string | null, epciSiren: string | null): LeaseReferentialContext {
  return {
    membershipCommune: commune,
    epcis: {
      // The MEL, which the default lease names, is known (with Lille).
      '200093201': { registered: [], official: ['59350'] },
      ...(epciSiren === null || commune === null ? {} : { [epciSiren]: { registered: [], official: [commune] } }),
    },
    organisations: EVERYONE_REGISTERED,
  };
}

/** What the referential says of the default lease: Lille is in the MEL. */
export const MEL_REFERENTIAL: LeaseReferentialContext = officialReferential('59350', '200093201');

export function recordSignedLease(
  overrides: DeepPartial<LeaseSignedData> = {},
  now = new Date('2026-11-25T10:00:00Z'),
  referential: LeaseReferentialContext = MEL_REFERENTIAL,
): RecordSignedLease {
  return {
    type: 'RecordSignedLease',
    data: leaseSignedData(overrides),
    referential,
    now,
    sameLeases: [],
    confirmDuplicate: false,
  };
}

/**
 * A correction of the case's lease to the whole new version `lease`, for `reason`, on 25 November
 * 2026 in the MEL, with no other lease of the household and nothing confirmed; `options` changes these.
 */
export function correctLease(
  lease: LeaseSignedData,
  reason = 'x',
  options: Partial<Pick<CorrectLease, 'referential' | 'now' | 'sameLeases' | 'confirmDuplicate'>> = {},
): CorrectLease {
  return {
    type: 'CorrectLease',
    data: { lease, reason },
    referential: MEL_REFERENTIAL,
    now: new Date('2026-11-25T10:00:00Z'),
    sameLeases: [],
    confirmDuplicate: false,
    ...options,
  };
}
