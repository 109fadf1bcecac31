import { DomainError } from '../domain-error.js';

/**
 * Known organisations only: a fact naming a bailleur, a réservataire or an EPCI Vigie does not
 * know is refused, never recorded under a phantom name. What the caller found in the
 * referential before deciding: whether the id is registered, and the closest registered ids
 * (for the message: `action-logment` → did you mean `action-logement`?).
 */
export interface KnownOrganisation {
  readonly registered: boolean;
  readonly closest: readonly string[];
}

export interface OrganisationsContext {
  readonly bailleur: KnownOrganisation;
  /** Null when the fact names no réservataire. */
  readonly reservataire: KnownOrganisation | null;
}

export type OrganisationErrorCode = 'BAILLEUR_NOT_REGISTERED' | 'RESERVATAIRE_NOT_REGISTERED' | 'EPCI_NOT_REGISTERED';

/** The path an admin registers each kind of organisation on, given in the refusal. */
export const REGISTRATION_PATHS = {
  bailleur: '/v1/bailleurs/{id}',
  reservataire: '/v1/reservataires/{id}',
  epci: '/v1/epcis/{siren}',
} as const;

export function checkKnownOrganisations(
  fact: { readonly bailleurId: string; readonly reservataireId: string | null },
  known: OrganisationsContext,
): void {
  if (!known.bailleur.registered) {
    throw new DomainError<OrganisationErrorCode>('BAILLEUR_NOT_REGISTERED', {
      bailleurId: fact.bailleurId,
      closest: known.bailleur.closest,
      register: `PUT ${REGISTRATION_PATHS.bailleur.replace('{id}', fact.bailleurId)}`,
    });
  }
  if (fact.reservataireId !== null && !known.reservataire?.registered) {
    throw new DomainError<OrganisationErrorCode>('RESERVATAIRE_NOT_REGISTERED', {
      reservataireId: fact.reservataireId,
      closest: known.reservataire?.closest ?? [],
      register: `PUT ${REGISTRATION_PATHS.reservataire.replace('{id}', fact.reservataireId)}`,
    });
  }
}
