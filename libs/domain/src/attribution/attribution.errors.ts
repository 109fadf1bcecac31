export type AttributionErrorCode =
  /** A lease is already recorded on this case. */
  | 'LEASE_ALREADY_SIGNED'
  /** The lease date is after the time the fact was reported. */
  | 'LEASE_DATE_IN_FUTURE'
  /** The commune code is in no territorial referential. */
  | 'COMMUNE_UNKNOWN'
  /** The commune does not belong to the EPCI the lease names. */
  | 'COMMUNE_NOT_IN_EPCI'
  /** The QPV code is not registered. */
  | 'QPV_UNKNOWN'
  /** The QPV was not in force on the lease date (2015 list until 2023, 2024 list after). */
  | 'QPV_NOT_IN_FORCE'
  /** No (uncancelled) lease with this id on the case. */
  | 'LEASE_NOT_FOUND'
  /** A correction may not change the lease, case or bailleur it concerns. */
  | 'LEASE_IDENTITY_CHANGED'
  /** A correction that changes nothing. */
  | 'LEASE_CORRECTION_EMPTY';
