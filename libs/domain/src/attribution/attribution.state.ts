import { type AttributionEvent } from './attribution.events.js';

export type AttributionState =
  { readonly status: 'open' } | { readonly status: 'leased'; readonly leaseId: string; readonly leaseDate: string };

export const initialAttributionState: AttributionState = { status: 'open' };

export function evolveAttribution(state: AttributionState, event: AttributionEvent): AttributionState {
  switch (event.type) {
    case 'LeaseSigned':
      return { status: 'leased', leaseId: event.data.leaseId, leaseDate: event.data.leaseDate };
    default:
      return state;
  }
}
