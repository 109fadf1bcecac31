import type { Decider } from '../decider.js';
import { DomainError } from '../domain-error.js';
import { qpvInForce } from '../referential/referential.js';
import type {
  AttributionCommand,
  CancelLease,
  CorrectLease,
  LeaseReferentialContext,
  RecordSignedLease,
} from './attribution.commands.js';
import type { AttributionErrorCode } from './attribution.errors.js';
import type { AttributionEvent, LeaseSignedData } from './attribution.events.js';
import { evolveAttribution, initialAttributionState, type AttributionState } from './attribution.state.js';

const fail = (code: AttributionErrorCode, details: Record<string, unknown>) =>
  new DomainError<AttributionErrorCode>(code, details);

/** The facts of a lease must agree with the referential and the calendar. */
function checkLeaseFacts(lease: LeaseSignedData, referential: LeaseReferentialContext, now: Date): void {
  const today = now.toISOString().slice(0, 10);
  if (lease.leaseDate > today) throw fail('LEASE_DATE_IN_FUTURE', { leaseDate: lease.leaseDate, today });
  if (referential.communeEpciSiren === null) throw fail('COMMUNE_UNKNOWN', { communeInsee: lease.flat.communeInsee });
  if (referential.communeEpciSiren !== lease.flat.epciSiren) {
    throw fail('COMMUNE_NOT_IN_EPCI', {
      communeInsee: lease.flat.communeInsee,
      epciSiren: lease.flat.epciSiren,
      communeEpciSiren: referential.communeEpciSiren,
    });
  }
  if (lease.flat.qpvCode !== null) {
    if (!referential.qpv) throw fail('QPV_UNKNOWN', { qpvCode: lease.flat.qpvCode });
    if (!qpvInForce(referential.qpv, lease.leaseDate)) {
      throw fail('QPV_NOT_IN_FORCE', {
        qpvCode: lease.flat.qpvCode,
        leaseDate: lease.leaseDate,
        validFrom: referential.qpv.validFrom,
        validTo: referential.qpv.validTo,
      });
    }
  }
}

function recordSignedLease(command: RecordSignedLease, state: AttributionState): AttributionEvent[] {
  if (state.status === 'leased') {
    throw fail('LEASE_ALREADY_SIGNED', { caseId: command.data.caseId, existingLeaseId: state.lease.leaseId });
  }
  checkLeaseFacts(command.data, command.referential, command.now);
  return [{ type: 'LeaseSigned', data: command.data }];
}

function currentLease(
  state: AttributionState,
  leaseId: string,
  currentEventId: string | null,
): { lease: LeaseSignedData; eventId: string } {
  if (state.status !== 'leased' || state.lease.leaseId !== leaseId || !currentEventId) throw fail('LEASE_NOT_FOUND', { leaseId });
  return { lease: state.lease, eventId: currentEventId };
}

function cancelLease(command: CancelLease, state: AttributionState): AttributionEvent[] {
  const { lease, eventId } = currentLease(state, command.data.leaseId, command.currentEventId);
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
  const next = command.data.lease;
  const { lease, eventId } = currentLease(state, next.leaseId, command.currentEventId);
  if (next.caseId !== lease.caseId || next.bailleurId !== lease.bailleurId) {
    throw fail('LEASE_IDENTITY_CHANGED', { leaseId: lease.leaseId });
  }
  if (JSON.stringify(next) === JSON.stringify(lease)) throw fail('LEASE_CORRECTION_EMPTY', { leaseId: lease.leaseId });
  checkLeaseFacts(next, command.referential, command.now);
  return [{ type: 'LeaseCorrected', data: { lease: next, reason: command.data.reason, correctsEventId: eventId } }];
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
    }
  },
  evolve: evolveAttribution,
  initialState: initialAttributionState,
};
