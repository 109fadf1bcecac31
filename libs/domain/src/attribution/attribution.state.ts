import type { AttributionEvent, LeaseSignedData } from './attribution.events.js';

export type AttributionState =
  | { readonly status: 'open' }
  | { readonly status: 'leased'; readonly lease: LeaseSignedData }
  | { readonly status: 'cancelled'; readonly lease: LeaseSignedData };

export const initialAttributionState: AttributionState = { status: 'open' };

export function evolveAttribution(state: AttributionState, event: AttributionEvent): AttributionState {
  switch (event.type) {
    case 'LeaseSigned':
      return { status: 'leased', lease: event.data };
    case 'LeaseCorrected':
      return { status: 'leased', lease: event.data.lease };
    case 'LeaseCancelled':
      return state.status === 'leased' ? { status: 'cancelled', lease: state.lease } : state;
    default:
      return state;
  }
}
