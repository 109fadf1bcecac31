import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { owns } from '@vigie/access';
import { problemOf as problem, ProblemError } from '../http/problem.js';
import { errorEntry } from '../http/error-table.js';
import { RUNTIME, type Runtime } from '../runtime/runtime.js';
import { ACCESS_RULE, type AccessRule, PUBLIC_ROUTE } from './access.decorators.js';
import { setPrincipal } from './principal.request.js';
import { TenancyResolver } from './tenancy.resolver.js';

/**
 * Access is closed by default: every route answers 401 without a valid key, 403 ACCESS_RULE_MISSING
 * without a declared rule (and the application refuses to start with such a route), 403 for a role
 * the rule does not name, and, for another organisation's resource, the very 404 of a resource
 * that does not exist.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(RUNTIME) private readonly runtime: Runtime,
    private readonly tenancy: TenancyResolver,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const handler = context.getHandler();
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, [handler, context.getClass()])) return true;
    const request = context.switchToHttp().getRequest<Request>();
    const header = request.header('authorization');
    const token = header?.match(/^Bearer\s+(\S+)$/i)?.[1];
    const principal = token ? await this.runtime.keys.authenticate(token) : null;
    if (!principal) {
      context.switchToHttp().getResponse<Response>().setHeader('WWW-Authenticate', 'Bearer realm="vigie"');
      throw problem('UNAUTHENTICATED');
    }
    setPrincipal(request, principal);
    const rule = this.reflector.get<AccessRule | undefined>(ACCESS_RULE, handler);
    if (!rule) throw problem('ACCESS_RULE_MISSING');
    if (!rule.roles.includes(principal.role)) throw problem('ROLE_FORBIDDEN');
    if (principal.role === 'admin') return true;
    const { tenancy } = rule;
    if (tenancy.kind === 'claimed') {
      // Says which organisation the key acts for: a write for another one is refused, not hidden.
      const forbidden = () =>
        new ProblemError(403, 'TENANT_FORBIDDEN', errorEntry('TENANT_FORBIDDEN')[1], {
          actingFor: { role: principal.role, organisation: principal.tenant },
        });
      const owners = tenancy.owners(request, this.tenancy);
      if (owners && !owns(principal, owners)) throw forbidden();
      if (tenancy.within?.(request, this.tenancy).some((named) => !owns(principal, named))) throw forbidden();
    } else if (tenancy.kind === 'existing') {
      const owners = await tenancy.owners(request, this.tenancy);
      if (owners === null || (owners !== undefined && !owns(principal, owners))) throw problem(tenancy.notFound);
    }
    return true;
  }
}
