import type { LeaseSignedData } from './attribution.events.js';

/**
 * What the referential says about the lease, looked up by the caller before deciding:
 * the EPCI the commune belongs to (null: unknown commune), and the QPV the lease names as
 * registered (null: not registered; absent when the lease names no QPV).
 */
export interface LeaseReferentialContext {
  readonly communeEpciSiren: string | null;
  readonly qpv?: { readonly code: string; readonly validFrom: string; readonly validTo: string | null } | null;
}

export interface RecordSignedLease {
  readonly type: 'RecordSignedLease';
  readonly data: LeaseSignedData;
  readonly referential: LeaseReferentialContext;
  /** Time of the request, given by the caller so that `decide` stays pure. */
  readonly now: Date;
}

export interface CancelLease {
  readonly type: 'CancelLease';
  readonly data: { readonly leaseId: string; readonly reason: string };
  /** Id of the event holding the lease's current version (read from the stream by the caller). */
  readonly currentEventId: string | null;
}

export interface CorrectLease {
  readonly type: 'CorrectLease';
  readonly data: { readonly lease: LeaseSignedData; readonly reason: string };
  readonly referential: LeaseReferentialContext;
  readonly currentEventId: string | null;
  readonly now: Date;
}

export type AttributionCommand = RecordSignedLease | CancelLease | CorrectLease;
