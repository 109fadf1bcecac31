import { createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Request } from 'express';
import { type Owners, type Principal, type Role, ROLES } from '@vigie/access';
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
  | { readonly kind: 'claimed'; readonly owners: (request: Request, resolver: TenancyResolver) => Owners | null }
  /**
   * An existing resource (a convention, a lease of another bailleur, an event). Another
   * organisation's → exactly the 404 the handler gives when it does not exist. Null owners: not
   * found; the handler answers that 404 itself.
   */
  | {
      readonly kind: 'existing';
      readonly owners: (request: Request, resolver: TenancyResolver) => Promise<Owners | null> | Owners | null;
      readonly notFound: string;
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
  const principal = principalOf(context.switchToHttp().getRequest<Request>());
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
