import type { FastifyRequest } from 'fastify';
import { departementOfQpv } from '@vigie/domain';
import { mergeOwners, type Owners } from '@vigie/access';
import type { ErrorCode } from '../http/error-table.js';
import { field, type Tenancy } from './access.decorators.js';
import type { TenancyResolver } from './tenancy.resolver.js';

/** The common ways a route's data belongs to organisations. */
export const NO_TENANT: Tenancy = { kind: 'none' };
export const FILTERED: Tenancy = { kind: 'filtered' };

const param = (request: FastifyRequest, name: string): string | undefined => {
  const value = (request.params as Record<string, unknown>)[name];
  return typeof value === 'string' && value ? value : undefined;
};

/** Owners read from a route parameter; null (let the handler answer) when it is missing. */
function fromParam<T>(name: string, owners: (id: string, resolver: TenancyResolver) => T) {
  return (request: FastifyRequest, resolver: TenancyResolver): T | null => {
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

const TERRITORY_FIELDS = { communes: 'commune', communeInsee: 'commune', qpvs: 'qpv', qpvCode: 'qpv' } as const;

/**
 * The communes and QPVs a body names, wherever they sit (`communes`, `sectors[].communes`,
 * `territorialObjectives[].filter.communes`, `qpvs`…), so that a new field is bounded too.
 */
function territoriesNamed(body: unknown): Array<{ kind: 'commune' | 'qpv'; code: string }> {
  const named: Array<{ kind: 'commune' | 'qpv'; code: string }> = [];
  const visit = (value: unknown, depth: number): void => {
    if (depth > 8 || value === null || typeof value !== 'object') return;
    if (Array.isArray(value)) return value.forEach((item) => visit(item, depth + 1));
    for (const [key, child] of Object.entries(value)) {
      const kind = TERRITORY_FIELDS[key as keyof typeof TERRITORY_FIELDS];
      const codes = typeof child === 'string' ? [child] : Array.isArray(child) ? child : [];
      if (kind) for (const code of codes) if (typeof code === 'string') named.push({ kind, code });
      visit(child, depth + 1);
    }
  };
  visit(body, 0);
  return named;
}

/** Every commune and QPV the body names lies in the caller's territory. */
const TERRITORIES_OF_THE_BODY = (request: FastifyRequest, resolver: TenancyResolver) =>
  territoriesNamed(request.body).map(({ kind, code }) => (kind === 'commune' ? resolver.commune(code) : resolver.qpv(code)));

/**
 * A write about the EPCI of the path (its CIA, its communes; its threshold for the État of its
 * départements): the communes its body names must be the EPCI's too.
 */
export const claimedEpci = (name: string): Tenancy => ({
  kind: 'claimed',
  owners: fromParam(name, (siren, resolver) => resolver.epci(siren)),
  within: TERRITORIES_OF_THE_BODY,
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

/**
 * An existing case (cancel or correct its lease, record a refusal), located by the bailleur and
 * case reference the request gives; its owner is the bailleur its recorded facts name. Another
 * bailleur's case, or none, answers the case's own 404.
 */
const existingCase = (
  notFound: ErrorCode,
  locate: (request: FastifyRequest) => { bailleurId: string | undefined; caseId: string | undefined },
): Tenancy => ({
  kind: 'existing',
  notFound,
  owners: (request, resolver) => {
    const { bailleurId, caseId } = locate(request);
    return bailleurId && caseId ? resolver.case(bailleurId, caseId) : undefined;
  },
});

/** The case of a lease cancellation (`bailleurId`, `caseId` of the body). */
export const CASE_OF_CANCELLATION = existingCase('LEASE_NOT_FOUND', (request) => ({
  bailleurId: field(request.body, 'bailleurId'),
  caseId: field(request.body, 'caseId'),
}));

/** The case of a lease correction (`lease.bailleurId`, `lease.caseId` of the body). */
export const CASE_OF_CORRECTION = existingCase('LEASE_NOT_FOUND', (request) => ({
  bailleurId: field(request.body, 'lease', 'bailleurId'),
  caseId: field(request.body, 'lease', 'caseId'),
}));

/** The case of a declined offer (`bailleurId` of the body, case of the path). */
export const CASE_OF_DECLINED_OFFER = existingCase('OFFER_NOT_FOUND', (request) => ({
  bailleurId: field(request.body, 'bailleurId'),
  caseId: param(request, 'caseId'),
}));

/**
 * A flat of the bailleur a simulation names (`bailleurId`, `flat.rplsId` of the body), in the EPCI
 * of the path: the bailleur that recorded its release, and the EPCI and the État of its
 * départements. Another bailleur's flat, or one no fact names, answers the same 404.
 */
export const FLAT_OF_SIMULATION = (epciParam: string): Tenancy => ({
  kind: 'existing',
  notFound: 'FLAT_NOT_FOUND',
  owners: async (request, resolver) => {
    const bailleurId = field(request.body, 'bailleurId');
    const rplsId = field(request.body, 'flat', 'rplsId');
    const siren = param(request, epciParam);
    if (!bailleurId || !rplsId || !siren) return undefined;
    const flat = await resolver.flat(bailleurId, rplsId);
    return flat ? mergeOwners(flat, resolver.epci(siren)) : null;
  },
});

/** A convention of the path (`/v1/conventions/:bailleurId/:reservataireId/:conventionId`): its parties and département. */
export const EXISTING_CONVENTION: Tenancy = {
  kind: 'existing',
  notFound: 'CONVENTION_NOT_FOUND',
  owners: (request, resolver) => {
    const [bailleurId, reservataireId, conventionId] = ['bailleurId', 'reservataireId', 'conventionId'].map((name) =>
      param(request, name),
    );
    return bailleurId && reservataireId && conventionId
      ? resolver.convention({ bailleurId, reservataireId, conventionId })
      : null;
  },
};

/** A QPV of the État's département. */
export const CLAIMED_QPV: Tenancy = {
  kind: 'claimed',
  owners: fromParam('code', (code) => ({ departements: [departementOfQpv(code)] })),
  within: TERRITORIES_OF_THE_BODY,
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
