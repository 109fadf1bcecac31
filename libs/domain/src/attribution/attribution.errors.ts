export type AttributionErrorCode =
  /** A lease is already recorded on this case. */
  | 'LEASE_ALREADY_SIGNED'
  /** The lease date is after the time the fact was reported. */
  | 'LEASE_DATE_IN_FUTURE';
