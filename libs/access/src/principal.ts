import { DEPARTEMENT, departementOfCommune, ORGANISATION_ID, SIREN } from '@vigie/domain';
/**
 * Who is calling, and what they may touch. A principal is an organisation's API key:
 * one role, and the organisation (tenant) it acts for.
 */
export const ROLES = ['bailleur', 'epci', 'reservataire', 'etat', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface Principal {
  /** Public id of the API key (never the secret). */
  readonly keyId: string;
  readonly role: Role;
  /**
   * The organisation the key acts for: bailleur id, EPCI SIREN, réservataire id, or the
   * département code for the État (DDETS / préfet). Null for admin.
   */
  readonly tenant: string | null;
}

/** The actor recorded in the metadata of every event the principal writes: `role:tenant:keyId`. */
export function actorOf(principal: Principal): string {
  return `${principal.role}:${principal.tenant ?? '*'}:${principal.keyId}`;
}

/** The organisations a resource belongs to, one list per kind of tenant. */
export interface Owners {
  readonly bailleurs?: readonly (string | null | undefined)[];
  readonly epcis?: readonly (string | null | undefined)[];
  readonly reservataires?: readonly (string | null | undefined)[];
  readonly departements?: readonly (string | null | undefined)[];
}

const OWNER_LIST: Record<Exclude<Role, 'admin'>, keyof Owners> = {
  bailleur: 'bailleurs',
  epci: 'epcis',
  reservataire: 'reservataires',
  etat: 'departements',
};

/** The organisations of several resources together. */
export function mergeOwners(...parts: readonly Owners[]): Owners {
  const merged: Record<keyof Owners, (string | null | undefined)[]> = {
    bailleurs: [],
    epcis: [],
    reservataires: [],
    departements: [],
  };
  for (const part of parts) for (const kind of Object.keys(merged) as (keyof Owners)[]) merged[kind].push(...(part[kind] ?? []));
  return merged;
}

/** Admin sees everything; any other principal only what names its own organisation. */
export function owns(principal: Principal, owners: Owners): boolean {
  if (principal.role === 'admin') return true;
  if (principal.tenant === null) return false;
  return (owners[OWNER_LIST[principal.role]] ?? []).includes(principal.tenant);
}

/**
 * One definition, in the domain (97x and 98x overseas, 2A / 2B for Corsica); re-exported because
 * the API's tenancy resolver reads it from here.
 */
export { departementOfCommune };

/** Tenant identifiers as the referential writes them; a département is 2 or 3 characters. */
export const TENANT_PATTERN: Record<Exclude<Role, 'admin'>, RegExp> = {
  bailleur: ORGANISATION_ID,
  epci: SIREN,
  reservataire: ORGANISATION_ID,
  etat: DEPARTEMENT,
};

const OWNER_KEYS: Record<string, keyof Owners> = {
  bailleurId: 'bailleurs',
  reservataireId: 'reservataires',
  epciSiren: 'epcis',
  departement: 'departements',
};

/**
 * The organisations an event concerns, read from the fields every Vigie event names them by
 * (`bailleurId`, `reservataireId`, `epciSiren`, `departement`, a flat's `communeInsee`, an
 * alert's scope), wherever they sit in its data.
 */
export function ownersOfEventData(data: unknown): {
  bailleurs: string[];
  epcis: string[];
  reservataires: string[];
  departements: string[];
} {
  const owners = {
    bailleurs: [] as string[],
    epcis: [] as string[],
    reservataires: [] as string[],
    departements: [] as string[],
  };
  const visit = (value: unknown, depth: number): void => {
    if (depth > 5 || value === null || typeof value !== 'object') return;
    if (Array.isArray(value)) {
      for (const item of value) visit(item, depth + 1);
      return;
    }
    for (const [key, field] of Object.entries(value as Record<string, unknown>)) {
      if (typeof field === 'string') {
        const list = OWNER_KEYS[key];
        if (list) owners[list].push(field);
        if (key === 'communeInsee') owners.departements.push(departementOfCommune(field));
      } else visit(field, depth + 1);
    }
    const scope = (value as { scope?: { kind?: unknown; id?: unknown } }).scope;
    if (scope && typeof scope.id === 'string') {
      if (scope.kind === 'bailleur') owners.bailleurs.push(scope.id);
      if (scope.kind === 'reservataire') owners.reservataires.push(scope.id);
    }
  };
  visit(data, 0);
  return owners;
}
