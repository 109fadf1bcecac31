import type { CalDecisionRecorded, LeaseSignedData, OfferDeclined } from './attribution.events.js';

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
  /** The lease, and the bailleur and case the caller addresses it in: all three must be the lease's. */
  readonly data: { readonly bailleurId: string; readonly caseId: string; readonly leaseId: string; readonly reason: string };
}

export interface CorrectLease {
  readonly type: 'CorrectLease';
  readonly data: { readonly lease: LeaseSignedData; readonly reason: string };
  readonly referential: LeaseReferentialContext;
  readonly now: Date;
}

export interface RecordCalDecision {
  readonly type: 'RecordCalDecision';
  readonly data: CalDecisionRecorded['data'];
  readonly referential: LeaseReferentialContext;
  readonly now: Date;
}

export interface DeclineOffer {
  readonly type: 'DeclineOffer';
  readonly data: OfferDeclined['data'];
  readonly now: Date;
}

export type AttributionCommand = RecordSignedLease | CancelLease | CorrectLease | RecordCalDecision | DeclineOffer;
