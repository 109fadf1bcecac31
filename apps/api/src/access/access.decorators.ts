import { createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { type Owners, type Principal, type Role, ROLES } from '@vigie/access';
import type { ErrorCode } from '../http/error-table.js';
import { problemOf } from '../http/problem.js';
import { principalOf } from './principal.request.js';
import type { TenancyResolver } from './tenancy.resolver.js';

export const ACCESS_RULE = 'vigie:access-rule';
export const PUBLIC_ROUTE = 'vigie:public-route';

/** How a route's data belongs to organisations; every rule says it, none is implied. */
export type Tenancy =
  /** No organisation's data: a calculator, the public referential lists. */
  | { readonly kind: 'none' }
  /** The handler narrows or masks what it returns for the caller (lists, shared figures). */
  | { readonly kind: 'filtered' }
  /**
   * A write for the organisation the request names (a bailleur's lease, an EPCI's CIA). Naming
   * another organisation → 403 TENANT_FORBIDDEN. Null owners: the request does not say (yet); the
   * handler's validation answers.
   */
  | {
      readonly kind: 'claimed';
      readonly owners: (request: FastifyRequest, resolver: TenancyResolver) => Owners | null;
      /**
       * The territories the body names (communes of a QPV, of an EPCI, of a CIA's sectors): each
       * must be the caller's too, else 403 TENANT_FORBIDDEN, as for a write for another organisation.
       */
      readonly within?: (request: FastifyRequest, resolver: TenancyResolver) => readonly Owners[];
    }
  /**
   * An existing resource (a convention, a lease of another bailleur, an event), its owners read
   * from its recorded facts. Another organisation's, or one that does not exist (null owners), →
   * the same 404, before the body is even validated, so that no answer tells them apart.
   * Undefined owners: the request does not name the resource (a body without its locator); the
   * handler's validation answers.
   */
  | {
      readonly kind: 'existing';
      readonly owners: (
        request: FastifyRequest,
        resolver: TenancyResolver,
      ) => Promise<Owners | null | undefined> | Owners | null | undefined;
      readonly notFound: ErrorCode;
    };

export interface AccessRule {
  readonly roles: readonly Role[];
  readonly tenancy: Tenancy;
}

/** Who may call this route, and how its data belongs to organisations. Access is closed without it. */
export const Access = (rule: AccessRule) => SetMetadata(ACCESS_RULE, rule);

/** The few routes open without a key (health). */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);

/** The authenticated caller of this request. */
export const CurrentPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext): Principal => {
  const principal = principalOf(context.switchToHttp().getRequest<FastifyRequest>());
  if (!principal) throw problemOf('UNAUTHENTICATED');
  return principal;
});

/** Reads a string field of a JSON body (`field(body, 'lease', 'bailleurId')`); undefined when absent or not a string. */
export function field(source: unknown, ...path: string[]): string | undefined {
  let value: unknown = source;
  for (const key of path)
    value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
  return typeof value === 'string' ? value : undefined;
}

export const ALL_ROLES: readonly Role[] = ROLES;
