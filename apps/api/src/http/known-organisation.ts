import { isDomainError } from '@vigie/domain';
import { NOT_REGISTERED, type KnownOrganisationsService } from '../referential/known-organisations.service.js';
import type { ErrorCode } from './error-table.js';
import { errorDetail } from './error-table.js';
import { problemOf } from './problem.js';

/** An organisation a read names in its path. */
export type ReadOrganisation = 'bailleur' | 'reservataire' | 'epci';

const NOT_FOUND: Readonly<Record<ReadOrganisation, ErrorCode>> = {
  bailleur: 'BAILLEUR_NOT_FOUND',
  reservataire: 'RESERVATAIRE_NOT_FOUND',
  epci: 'EPCI_NOT_FOUND',
};

/**
 * Refuses a read of an organisation Vigie does not know (a bailleur or a réservataire never
 * registered, an EPCI neither in the official referential nor registered): 404 with
 * BAILLEUR_NOT_FOUND, RESERVATAIRE_NOT_FOUND or EPCI_NOT_FOUND, whose detail names the identifier,
 * the registered ones closest to it (`details.closest`) and where to find the right one. Without
 * it such a read answered 200 with empty figures, which read as « nothing recorded ».
 *
 * Called by a route once its AccessGuard has let the caller through: a caller who may not read an
 * organisation's data gets the guard's own 404 NOT_FOUND, the same whether it exists or not, and
 * never learns from this one which organisations exist. A known organisation costs no read once
 * found (KnownOrganisationsService remembers it).
 */
export async function assertKnownOrganisation(
  known: KnownOrganisationsService,
  kind: ReadOrganisation,
  id: string,
): Promise<void> {
  try {
    await known.assertRegistered(kind, id);
  } catch (error) {
    if (!isDomainError(error) || error.code !== NOT_REGISTERED[kind]) throw error;
    const code = NOT_FOUND[kind];
    const details = { ...error.details, [kind === 'epci' ? 'epciSiren' : `${kind}Id`]: id };
    throw problemOf(code, { detail: errorDetail(code, details), details });
  }
}

/**
 * Refuses a read of a département the official referential does not list (`98`, `20`): 404
 * DEPARTEMENT_NOT_FOUND. Without it such a read answered 200 with no EPCI, which read as « no EPCI
 * here ». Called once the AccessGuard has let the caller through, as `assertKnownOrganisation`.
 */
export function assertKnownDepartement(known: KnownOrganisationsService, code: string): void {
  if (known.isDepartement(code)) return;
  const details = { departement: code };
  throw problemOf('DEPARTEMENT_NOT_FOUND', { detail: errorDetail('DEPARTEMENT_NOT_FOUND', details), details });
}
