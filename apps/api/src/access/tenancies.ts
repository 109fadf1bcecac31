import type { Request } from 'express';
import type { Owners } from '@vigie/access';
import { field, type Tenancy } from './access.decorators.js';
import type { TenancyResolver } from './tenancy.resolver.js';

/** The common ways a route's data belongs to organisations. */
export const NO_TENANT: Tenancy = { kind: 'none' };
export const FILTERED: Tenancy = { kind: 'filtered' };

const param = (request: Request, name: string): string | undefined => {
  const value = request.params[name];
  return typeof value === 'string' && value ? value : undefined;
};

/** Owners read from a route parameter; null (let the handler answer) when it is missing. */
function fromParam<T>(name: string, owners: (id: string, resolver: TenancyResolver) => T) {
  return (request: Request, resolver: TenancyResolver): T | null => {
    const id = param(request, name);
    return id ? owners(id, resolver) : null;
  };
}

/** A fact a bailleur records for itself: `bailleurId` of the body. */
export const CLAIMED_BY_BODY_BAILLEUR: Tenancy = {
  kind: 'claimed',
  owners: (request) => {
    const bailleurId = field(request.body, 'bailleurId');
    return bailleurId ? { bailleurs: [bailleurId] } : null;
  },
};

/** A write about the EPCI of the path (its CIA; its threshold for the État of its départements). */
export const claimedEpci = (name: string): Tenancy => ({
  kind: 'claimed',
  owners: fromParam(name, (siren, resolver) => resolver.epci(siren)),
});

/** A read of the EPCI of the path: the EPCI and the État of its départements; others get a plain 404. */
export const existingEpci = (name: string): Tenancy => ({
  kind: 'existing',
  notFound: 'NOT_FOUND',
  owners: fromParam(name, (siren, resolver) => resolver.epci(siren)),
});

/** A resource of the organisation named in the path (`kind`: which list it goes in). */
export const existingOwnedBy = (kind: keyof Owners, name: string): Tenancy => ({
  kind: 'existing',
  notFound: 'NOT_FOUND',
  owners: fromParam(name, (id) => ({ [kind]: [id] })),
});

/** A case of the bailleur the body names (cancel, correct, refuse): another's answers the case's own 404. */
export const existingCaseOfBodyBailleur = (notFound: string): Tenancy => ({
  kind: 'existing',
  notFound,
  owners: (request) => {
    const bailleurId = field(request.body, 'bailleurId') ?? field(request.body, 'lease', 'bailleurId');
    return bailleurId ? { bailleurs: [bailleurId] } : null;
  },
});

export const existingConvention = (name: string): Tenancy => ({
  kind: 'existing',
  notFound: 'CONVENTION_NOT_FOUND',
  owners: fromParam(name, (id, resolver) => resolver.convention(id)),
});

/** Département of a QPV from its code (QP059001, QN05901M → 59; QN97101M → 971; QN02A…, 2A). */
export function departementOfQpv(code: string): string | undefined {
  const digits = code.slice(2, 5);
  if (/^97\d$/.test(digits)) return digits;
  if (/^0(\d{2}|2[AB])$/.test(digits)) return digits.slice(1);
  return undefined;
}

/** A QPV of the État's département. */
export const CLAIMED_QPV: Tenancy = {
  kind: 'claimed',
  owners: fromParam('code', (code) => ({ departements: [departementOfQpv(code)] })),
};

/** A convention is recorded by one of its parties: the bailleur or the réservataire the body names. */
export const CLAIMED_BY_A_PARTY: Tenancy = {
  kind: 'claimed',
  owners: (request) => {
    const bailleurId = field(request.body, 'bailleurId');
    const reservataireId = field(request.body, 'reservataireId');
    return bailleurId || reservataireId ? { bailleurs: [bailleurId], reservataires: [reservataireId] } : null;
  },
};

export const EXISTING_IMPORT: Tenancy = {
  kind: 'existing',
  notFound: 'IMPORT_NOT_FOUND',
  owners: fromParam('id', (id, resolver) => resolver.import(id)),
};

export const EXISTING_EVENT: Tenancy = {
  kind: 'existing',
  notFound: 'EVENT_NOT_FOUND',
  owners: fromParam('eventId', (id, resolver) => resolver.event(id)),
};
