export type AttributionErrorCode =
  /** A lease is already recorded on this case. */
  | 'LEASE_ALREADY_SIGNED'
  /**
   * A lease in force of the same bailleur already names this household, this flat and this lease
   * date under another reference: refused unless the bailleur confirms it is another lease.
   */
  | 'LEASE_PROBABLE_DUPLICATE'
  /** The lease date is after the time the fact was reported. */
  | 'LEASE_DATE_IN_FUTURE'
  /** The commune code is in no territorial referential. */
  | 'COMMUNE_UNKNOWN'
  /** The commune does not belong, on the date of the fact, to the EPCI the fact names. */
  | 'COMMUNE_NOT_IN_EPCI'
  /** The QPV code is not registered. */
  | 'QPV_UNKNOWN'
  /** The QPV was not in force on the lease date (its own validity, registered with it). */
  | 'QPV_NOT_IN_FORCE'
  /** The QPV does not lie in the flat's commune (nor in the commune of its arrondissement). */
  | 'QPV_NOT_IN_COMMUNE'
  /** No (uncancelled) lease with this id on the case. */
  | 'LEASE_NOT_FOUND'
  /** A lease to restore changed since the version the restore was decided on (corrected, cancelled or re-signed by another fact). */
  | 'LEASE_CHANGED_SINCE'
  /** A correction that changes nothing. */
  | 'LEASE_CORRECTION_EMPTY'
  /** The household declined the offer on this case: it cannot sign a lease on it. */
  | 'LEASE_AFTER_DECLINED_OFFER'
  /** No CAL decision attributed the flat to this household on this case. */
  | 'OFFER_NOT_FOUND'
  /** The flat of the case is already leased: no new CAL decision nor refusal on it. */
  | 'CASE_ALREADY_LEASED'
  /** The CAL date is after the time the fact was reported. */
  | 'CAL_DATE_IN_FUTURE'
  /** Two candidates share a rank or a household. */
  | 'CAL_CANDIDATES_INVALID'
  /**
   * The stream holds another bailleur's or another case's facts (streams written before ids were
   * unambiguous, or a caller that built the wrong stream id): nothing is decided on it.
   */
  | 'CASE_MISMATCH';
