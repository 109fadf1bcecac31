import { type LeaseSignedData } from './attribution.events.js';

export interface RecordSignedLease {
  readonly type: 'RecordSignedLease';
  readonly data: LeaseSignedData;
  /** Time of the request, given by the caller so that `decide` stays pure. */
  readonly now: Date;
}

export type AttributionCommand = RecordSignedLease;
