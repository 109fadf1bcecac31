import type { Recorded } from '../decider.js';
import type { AttributionEvent, LeaseSignedData } from './attribution.events.js';

/** Which case of which bailleur: read from the case's first fact, so every command is checked against it. */
export interface CaseIdentity {
  readonly bailleurId: string;
  readonly caseId: string;
}

/**
 * What the case's past says: whose case it is, the lease in force (if any), and who the CAL
 * attributed it to or who declined.
 */
export type AttributionState = (
  | { readonly status: 'open' }
  | { readonly status: 'leased'; readonly lease: LeaseSignedData }
  | { readonly status: 'cancelled'; readonly lease: LeaseSignedData }
) & {
  /** Households an attribution decision (with or without condition) named, by CAL decision index (0-based, stream order). */
  readonly attributed?: Readonly<Record<string, number>>;
  readonly declined?: readonly string[];
  readonly calDecisions?: number;
  /** Ids of the case's CalDecisionRecorded events, in stream order: a lease links to the one that attributed the flat. */
  readonly calDecisionEventIds?: readonly string[];
  /** Dates of the case's CAL decisions (YYYY-MM-DD), in the same order: a lease signed before a decision is not its outcome. */
  readonly calDates?: readonly string[];
  /** RPLS ids of the flats the case's CAL decisions examined, in the same order: a lease on another flat is not their outcome. */
  readonly calFlats?: readonly string[];
  /** Id of the event holding the lease in force (its LeaseSigned or last LeaseCorrected): a change cites it. */
  readonly leaseEventId?: string;
  /** Absent on an empty stream. */
  readonly case?: CaseIdentity;
};

/** The bailleur and case an event of the case names. */
export function caseOfEvent(event: AttributionEvent): CaseIdentity {
  const data = event.type === 'LeaseCorrected' ? event.data.lease : event.data;
  return { bailleurId: data.bailleurId, caseId: data.caseId };
}

export const initialAttributionState: AttributionState = { status: 'open' };

export function evolveAttribution(previous: AttributionState, event: Recorded<AttributionEvent>): AttributionState {
  const state = previous.case ? previous : { ...previous, case: caseOfEvent(event) };
  switch (event.type) {
    case 'LeaseSigned':
      return { ...state, status: 'leased', lease: event.data, leaseEventId: event.eventId };
    case 'LeaseCorrected':
      return { ...state, status: 'leased', lease: event.data.lease, leaseEventId: event.eventId };
    case 'LeaseCancelled':
      return state.status === 'leased' ? { ...state, status: 'cancelled', lease: state.lease } : state;
    case 'CalDecisionRecorded': {
      const index = state.calDecisions ?? 0;
      const attributed = { ...state.attributed };
      for (const candidate of event.data.candidates) {
        if (candidate.decision === 'attribution' || candidate.decision === 'attribution_sous_condition')
          attributed[candidate.householdPseudonymousId] = index;
      }
      return {
        ...state,
        attributed,
        calDecisions: index + 1,
        calDecisionEventIds: [...(state.calDecisionEventIds ?? []), event.eventId],
        calDates: [...(state.calDates ?? []), event.data.calDate],
        calFlats: [...(state.calFlats ?? []), event.data.flat.rplsId],
      };
    }
    case 'OfferDeclined':
      return { ...state, declined: [...(state.declined ?? []), event.data.householdPseudonymousId] };
    default:
      return state;
  }
}
