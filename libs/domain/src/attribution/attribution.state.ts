import type { AttributionEvent, LeaseSignedData } from './attribution.events.js';

/** What the case's past says: the lease in force (if any), and who the CAL attributed it to or who declined. */
export type AttributionState = (
  | { readonly status: 'open' }
  | { readonly status: 'leased'; readonly lease: LeaseSignedData }
  | { readonly status: 'cancelled'; readonly lease: LeaseSignedData }
) & {
  /** Households an attribution decision (with or without condition) named, by CAL decision index (0-based, stream order). */
  readonly attributed?: Readonly<Record<string, number>>;
  readonly declined?: readonly string[];
  readonly calDecisions?: number;
};

export const initialAttributionState: AttributionState = { status: 'open' };

export function evolveAttribution(state: AttributionState, event: AttributionEvent): AttributionState {
  switch (event.type) {
    case 'LeaseSigned':
      return { ...state, status: 'leased', lease: event.data };
    case 'LeaseCorrected':
      return { ...state, status: 'leased', lease: event.data.lease };
    case 'LeaseCancelled':
      return state.status === 'leased' ? { ...state, status: 'cancelled', lease: state.lease } : state;
    case 'CalDecisionRecorded': {
      const index = state.calDecisions ?? 0;
      const attributed = { ...state.attributed };
      for (const candidate of event.data.candidates) {
        if (candidate.decision === 'attribution' || candidate.decision === 'attribution_sous_condition')
          attributed[candidate.householdPseudonymousId] = index;
      }
      return { ...state, attributed, calDecisions: index + 1 };
    }
    case 'OfferDeclined':
      return { ...state, declined: [...(state.declined ?? []), event.data.householdPseudonymousId] };
    default:
      return state;
  }
}
