import type { AttributionErrorCode } from './attribution/attribution.errors.js';
import type { CiaErrorCode } from './cia/cia.decider.js';
import type { BilanErrorCode } from './flux/bilan.js';
import type { FluxErrorCode } from './flux/flux-ledger.js';
import type { ReservationErrorCode } from './flux/reservation.js';
import type { StockConversionErrorCode } from './flux/stock-conversion.js';
import type { OrganisationErrorCode } from './referential/known-organisations.js';
import type { ReferentialErrorCode } from './referential/referential.js';

/**
 * Every code a rule of the domain may throw. The API's error table is typed by it, with no
 * fallback: a new code cannot ship without its HTTP status and French title.
 */
export type DomainErrorCode =
  | AttributionErrorCode
  | CiaErrorCode
  | FluxErrorCode
  | ReservationErrorCode
  | BilanErrorCode
  | StockConversionErrorCode
  | ReferentialErrorCode
  | OrganisationErrorCode;
