import type { Decider } from '../decider.js';
import { canonicalJson } from '../canonical-json.js';
import { DomainError } from '../domain-error.js';
import { parisDate } from '../calendar/paris-calendar.js';
import { qpvVersionOn } from '../referential/referential.js';
import { belongsTo, epciOfCommuneOn } from '../referential/territory.js';
import { checkKnownOrganisations, REGISTRATION_PATHS, type OrganisationErrorCode } from '../referential/known-organisations.js';
import type {
  AttributionCommand,
  CancelLease,
  CorrectLease,
  DeclineOffer,
  LeaseReferentialContext,
  RecordCalDecision,
  RecordSignedLease,
  RestoreLease,
} from './attribution.commands.js';
import type { AttributionErrorCode } from './attribution.errors.js';
import {
  leaseIdentityOf,
  type AttributionEvent,
  type ExistingLease,
  type Flat,
  type LeaseSignedData,
} from './attribution.events.js';
import { evolveAttribution, initialAttributionState, type AttributionState, type CaseIdentity } from './attribution.state.js';

const fail = (code: AttributionErrorCode, details: Record<string, unknown>) =>
  new DomainError<AttributionErrorCode>(code, details);

/** The flat must agree with the referential in force on the date of the fact. */
function checkFlat(flat: Flat, date: string, referential: LeaseReferentialContext): void {
  const commune = referential.membershipCommune;
  if (commune === null) throw fail('COMMUNE_UNKNOWN', { communeInsee: flat.communeInsee });
  const named = referential.epcis[flat.epciSiren];
  if (!named || (named.registered.length === 0 && named.official === null)) {
    throw new DomainError<OrganisationErrorCode>('EPCI_NOT_REGISTERED', {
      epciSiren: flat.epciSiren,
      closest: referential.epciClosest ?? [],
      register: `PUT ${REGISTRATION_PATHS.epci.replace('{siren}', flat.epciSiren)}`,
    });
  }
  if (!belongsTo(commune, named, date)) {
    throw fail('COMMUNE_NOT_IN_EPCI', {
      communeInsee: flat.communeInsee,
      epciSiren: flat.epciSiren,
      date,
      communeEpciSiren: epciOfCommuneOn(commune, referential.epcis, date),
    });
  }
  if (flat.qpvCode !== null) {
    if (!referential.qpv) {
      throw fail('QPV_UNKNOWN', {
        qpvCode: flat.qpvCode,
        closest: referential.qpvClosest ?? [],
        register: `PUT /v1/qpvs/${flat.qpvCode}`,
      });
    }
    // The version of the QPV in force on the fact's date: a later re-registration takes effect from its own date.
    const { versions } = referential.qpv;
    const version = qpvVersionOn(versions, date);
    if (!version) {
      const starts = versions.map((v) => v.validFrom).sort();
      const ends = versions.map((v) => v.validTo);
      throw fail('QPV_NOT_IN_FORCE', {
        qpvCode: flat.qpvCode,
        leaseDate: date,
        validFrom: starts[0] ?? null,
        validTo: ends.includes(null) ? null : (ends.sort().at(-1) ?? null),
      });
    }
    const { communes } = version;
    if (!communes.includes(flat.communeInsee) && !communes.includes(commune)) {
      throw fail('QPV_NOT_IN_COMMUNE', { qpvCode: flat.qpvCode, communeInsee: flat.communeInsee, qpvCommunes: communes });
    }
  }
}

/**
 * The facts of a lease must name known organisations and agree with the referential and the
 * calendar (throws the DomainError a RecordSignedLease would: BAILLEUR_NOT_REGISTERED,
 * LEASE_DATE_IN_FUTURE, COMMUNE_NOT_IN_EPCI, QPV_UNKNOWN…). A simulated attribution is checked
 * the same way, so that a lease it describes would be accepted.
 */
export function checkLeaseFacts(lease: LeaseSignedData, referential: LeaseReferentialContext, now: Date): void {
  checkKnownOrganisations(lease, referential.organisations);
  const today = parisDate(now);
  if (lease.leaseDate > today) throw fail('LEASE_DATE_IN_FUTURE', { leaseDate: lease.leaseDate, today });
  checkFlat(lease.flat, lease.leaseDate, referential);
}

/** Same facts, whatever the key order. */
function sameFacts(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

function openOffers(state: AttributionState): string[] {
  return Object.keys(state.attributed ?? {}).filter((household) => !(state.declined ?? []).includes(household));
}

/** Whether the command addresses this very case (a case is known by its bailleur and its reference). */
function isThisCase(state: AttributionState, addressed: CaseIdentity): boolean {
  return !state.case || (state.case.bailleurId === addressed.bailleurId && state.case.caseId === addressed.caseId);
}

/** A new fact must be about the case the stream holds; an empty stream takes any. */
function checkSameCase(state: AttributionState, addressed: CaseIdentity): void {
  if (!isThisCase(state, addressed)) throw fail('CASE_MISMATCH', {});
}

function recordSignedLease(command: RecordSignedLease, state: AttributionState): AttributionEvent[] {
  checkSameCase(state, command.data);
  if (state.status === 'leased') {
    throw fail('LEASE_ALREADY_SIGNED', { caseId: command.data.caseId, existingLeaseId: state.lease.leaseId });
  }
  const household = command.data.household.pseudonymousId;
  if ((state.declined ?? []).includes(household)) throw fail('LEASE_AFTER_DECLINED_OFFER', { caseId: command.data.caseId });
  checkLeaseFacts(command.data, command.referential, command.now);
  const confirmedDuplicateOf = checkNotDuplicate(command.data, command.sameLeases, command.confirmDuplicate);
  // Linked to the CAL decision that attributed the flat to this household, if the lease was signed on or
  // after it (a lease signed before the commission decided is not its outcome: CCH L441-2) and on the
  // flat it examined (a lease on another flat is not its outcome either); none: accepted, flagged for
  // data quality (withoutCalDecision).
  const calDecisionEventId = calDecisionOf(state, household, command.data);
  return [
    {
      type: 'LeaseSigned',
      data: { ...command.data, calDecisionEventId, ...(confirmedDuplicateOf.length ? { confirmedDuplicateOf } : {}) },
    },
  ];
}

/**
 * The CAL decision of the case a lease of `household` is the outcome of: the last one that
 * attributed the flat to that household, if it examined the lease's flat and decided on or before
 * the lease date; null otherwise.
 */
function calDecisionOf(
  state: AttributionState,
  household: string,
  lease: Pick<LeaseSignedData, 'leaseDate' | 'flat'>,
): string | null {
  const decision = state.attributed?.[household];
  if (decision === undefined) return null;
  const decidedOn = state.calDates?.[decision];
  const decidedFlat = state.calFlats?.[decision];
  if (decidedOn !== undefined && decidedOn > lease.leaseDate) return null;
  if (decidedFlat !== undefined && decidedFlat !== lease.flat.rplsId) return null;
  return state.calDecisionEventIds?.[decision] ?? null;
}

/**
 * The same lease sent again under another reference (same household, flat and lease date as a
 * lease in force of the bailleur, in another case or under another lease id) would count twice:
 * refused, quoting the lease recorded first, unless the bailleur confirms it is another lease;
 * then the leases it repeats are recorded with it, so the decision can be audited.
 */
function checkNotDuplicate(
  lease: LeaseSignedData,
  sameLeases: readonly ExistingLease[],
  confirmDuplicate: boolean,
): readonly ExistingLease[] {
  const { leaseId, caseId } = lease;
  const others = sameLeases.filter((same) => same.leaseId !== leaseId || same.caseId !== caseId);
  if (others.length === 0) return [];
  if (!confirmDuplicate) {
    const [first] = others;
    throw fail('LEASE_PROBABLE_DUPLICATE', {
      existingLeaseId: first!.leaseId,
      existingCaseId: first!.caseId,
      existingEventId: first!.eventId,
    });
  }
  return others;
}

function recordCalDecision(command: RecordCalDecision, state: AttributionState): AttributionEvent[] {
  checkSameCase(state, command.data);
  if (state.status === 'leased') throw fail('CASE_ALREADY_LEASED', { caseId: command.data.caseId });
  checkKnownOrganisations(command.data, command.referential.organisations);
  const today = parisDate(command.now);
  if (command.data.calDate > today) throw fail('CAL_DATE_IN_FUTURE', { calDate: command.data.calDate, today });
  const { candidates } = command.data;
  if (
    new Set(candidates.map((c) => c.rank)).size !== candidates.length ||
    new Set(candidates.map((c) => c.householdPseudonymousId)).size !== candidates.length
  ) {
    throw fail('CAL_CANDIDATES_INVALID', { caseId: command.data.caseId });
  }
  checkFlat(command.data.flat, command.data.calDate, command.referential);
  return [{ type: 'CalDecisionRecorded', data: command.data }];
}

function declineOffer(command: DeclineOffer, state: AttributionState): AttributionEvent[] {
  // Another bailleur's or another case's offer is not found, exactly as one that does not exist.
  if (!isThisCase(state, command.data)) throw fail('OFFER_NOT_FOUND', { caseId: command.data.caseId });
  if (state.status === 'leased') throw fail('CASE_ALREADY_LEASED', { caseId: command.data.caseId });
  if (!openOffers(state).includes(command.data.householdPseudonymousId))
    throw fail('OFFER_NOT_FOUND', { caseId: command.data.caseId });
  return [{ type: 'OfferDeclined', data: command.data }];
}

/**
 * The lease in force that the command addresses by bailleur, case and lease id; any other lease
 * (cancelled, another case's, another bailleur's) is not found, exactly as one that does not exist.
 */
function currentLease(
  state: AttributionState,
  addressed: CaseIdentity & { readonly leaseId: string },
): { lease: LeaseSignedData; eventId: string } {
  const { leaseId } = addressed;
  const eventId = state.leaseEventId;
  if (state.status !== 'leased' || !isThisCase(state, addressed) || !eventId) throw fail('LEASE_NOT_FOUND', { leaseId });
  const { lease } = state;
  if (lease.leaseId !== leaseId || lease.bailleurId !== addressed.bailleurId || lease.caseId !== addressed.caseId) {
    throw fail('LEASE_NOT_FOUND', { leaseId });
  }
  return { lease, eventId };
}

function cancelLease(command: CancelLease, state: AttributionState): AttributionEvent[] {
  const { lease, eventId } = currentLease(state, command.data);
  return [
    {
      type: 'LeaseCancelled',
      data: {
        leaseId: lease.leaseId,
        caseId: lease.caseId,
        bailleurId: lease.bailleurId,
        reason: command.data.reason,
        cancelsEventId: eventId,
      },
    },
  ];
}

function correctLease(command: CorrectLease, state: AttributionState): AttributionEvent[] {
  const { lease, eventId } = currentLease(state, command.data.lease);
  // A correction that changes the household, flat or date may make the lease a copy of another:
  // refused as a new lease would be, unless confirmed. Otherwise a confirmation made when the lease
  // was recorded stands. The link to the CAL decision is Vigie's, not the bailleur's: kept.
  const identityChanged = !sameFacts(leaseIdentityOf(command.data.lease), leaseIdentityOf(lease));
  const confirmedDuplicateOf = identityChanged
    ? checkNotDuplicate(command.data.lease, command.sameLeases, command.confirmDuplicate)
    : (lease.confirmedDuplicateOf ?? []);
  // A correction onto another flat than the CAL decision's leaves that decision's outcome.
  const calDecisionEventId =
    lease.calDecisionEventId && command.data.lease.flat.rplsId !== lease.flat.rplsId
      ? calDecisionOf(state, command.data.lease.household.pseudonymousId, command.data.lease)
      : lease.calDecisionEventId;
  const next = {
    ...command.data.lease,
    ...(calDecisionEventId === undefined ? {} : { calDecisionEventId }),
    ...(confirmedDuplicateOf.length ? { confirmedDuplicateOf } : {}),
  };
  if (sameFacts(next, lease)) throw fail('LEASE_CORRECTION_EMPTY', { leaseId: lease.leaseId });
  checkLeaseFacts(next, command.referential, command.now);
  return [{ type: 'LeaseCorrected', data: { lease: next, reason: command.data.reason, correctsEventId: eventId } }];
}

/**
 * An earlier version of the lease put back, exactly as it was recorded (its facts were accepted
 * then; nothing is checked again but that the lease still stands where the caller saw it): a
 * LeaseCorrected back to it when the lease is in force, a LeaseSigned of it when it was cancelled.
 */
function restoreLease(command: RestoreLease, state: AttributionState): AttributionEvent[] {
  const { version, expected, reason } = command.data;
  const { leaseId, caseId, bailleurId } = version;
  const current = state.status === 'open' ? null : state.lease;
  const standsAsExpected =
    isThisCase(state, version) &&
    state.status === expected.status &&
    state.leaseEventId === expected.eventId &&
    current?.leaseId === leaseId &&
    current.caseId === caseId &&
    current.bailleurId === bailleurId;
  if (!standsAsExpected) throw fail('LEASE_CHANGED_SINCE', { leaseId });
  if (expected.status === 'cancelled') return [{ type: 'LeaseSigned', data: version }];
  if (sameFacts(version, current)) return [];
  return [{ type: 'LeaseCorrected', data: { lease: version, reason, correctsEventId: expected.eventId } }];
}

export const attributionDecider: Decider<AttributionCommand, AttributionEvent, AttributionState> = {
  decide(command, state) {
    switch (command.type) {
      case 'RecordSignedLease':
        return recordSignedLease(command, state);
      case 'CancelLease':
        return cancelLease(command, state);
      case 'CorrectLease':
        return correctLease(command, state);
      case 'RestoreLease':
        return restoreLease(command, state);
      case 'RecordCalDecision':
        return recordCalDecision(command, state);
      case 'DeclineOffer':
        return declineOffer(command, state);
    }
  },
  evolve: evolveAttribution,
  initialState: initialAttributionState,
};
