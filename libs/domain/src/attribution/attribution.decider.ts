import { type Decider } from '../decider.js';
import { DomainError } from '../domain-error.js';
import { type AttributionCommand, type RecordSignedLease } from './attribution.commands.js';
import { type AttributionErrorCode } from './attribution.errors.js';
import { type AttributionEvent } from './attribution.events.js';
import { type AttributionState, evolveAttribution, initialAttributionState } from './attribution.state.js';

function recordSignedLease(command: RecordSignedLease, state: AttributionState): AttributionEvent[] {
  if (state.status === 'leased') {
    throw new DomainError<AttributionErrorCode>('LEASE_ALREADY_SIGNED', {
      caseId: command.data.caseId,
      existingLeaseId: state.leaseId,
    });
  }
  const today = command.now.toISOString().slice(0, 10);
  if (command.data.leaseDate > today) {
    throw new DomainError<AttributionErrorCode>('LEASE_DATE_IN_FUTURE', {
      leaseDate: command.data.leaseDate,
      today,
    });
  }
  return [{ type: 'LeaseSigned', data: command.data }];
}

export const attributionDecider: Decider<AttributionCommand, AttributionEvent, AttributionState> = {
  decide(command, state) {
    switch (command.type) {
      case 'RecordSignedLease':
        return recordSignedLease(command, state);
    }
  },
  evolve: evolveAttribution,
  initialState: initialAttributionState,
};
