import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { ApiKeyStore, owns } from '@vigie/access';
import { BODY_RULE, type BodyRule, readBody } from '../http/body.js';
import { problemOf as problem } from '../http/problem.js';
import { unstorableFields } from '../http/storable.js';
import { ACCESS_RULE, type AccessRule, PUBLIC_ROUTE } from './access.decorators.js';
import { setPrincipal } from './principal.request.js';
import { TenancyResolver } from './tenancy.resolver.js';
import { SessionAuthenticator } from './sessions/session-authenticator.js';

/**
 * Access is closed by default: every route answers 401 without a valid key or session, 403 ACCESS_RULE_MISSING
 * without a declared rule (and the application refuses to start with such a route), 403 for a role
 * the rule does not name, and, for another organisation's resource, the very 404 of a resource
 * that does not exist.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeyStore,
    private readonly tenancy: TenancyResolver,
    private readonly sessions: SessionAuthenticator,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const handler = context.getHandler();
    // Path ids are read below (owners of an existing resource) before any schema: refuse what
    // PostgreSQL cannot store (a %00, a lone surrogate) before it reaches the database.
    const params = context.switchToHttp().getRequest<Request>().params ?? {};
    const unstorable = unstorableFields(params);
    if (unstorable.length) {
      throw problem('VALIDATION_FAILED', { errors: unstorable });
    }
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, [handler, context.getClass()])) return true;
    const request = context.switchToHttp().getRequest<Request>();
    const header = request.header('authorization');
    const token = header?.match(/^Bearer\s+(\S+)$/i)?.[1];
    // An API key when one is presented; else a person's session cookie (the same principal, the
    // same rules below), whose state-changing requests must also carry the session's CSRF token.
    const principal = token ? await this.keys.authenticate(token) : header ? null : await this.sessions.principal(request);
    if (!principal) {
      context.switchToHttp().getResponse<Response>().setHeader('WWW-Authenticate', 'Bearer realm="vigie"');
      throw problem('UNAUTHENTICATED');
    }
    if (!token && !this.sessions.csrfAllows(request)) throw problem('CSRF_TOKEN_INVALID');
    setPrincipal(request, principal);
    const rule = this.reflector.get<AccessRule | undefined>(ACCESS_RULE, handler);
    if (!rule) throw problem('ACCESS_RULE_MISSING');
    if (!rule.roles.includes(principal.role)) throw problem('ROLE_FORBIDDEN');
    // Only now is the body read (the ownership checks below look into it): never for a caller
    // without a valid key or of another role, never on a route that takes none.
    await readBody(request, context.switchToHttp().getResponse<Response>(), this.reflector.get<BodyRule>(BODY_RULE, handler));
    if (principal.role === 'admin') return true;
    const { tenancy } = rule;
    if (tenancy.kind === 'claimed') {
      // Says which organisation the key acts for: a write for another one is refused, not hidden.
      const forbidden = () =>
        problem('TENANT_FORBIDDEN', { actingFor: { role: principal.role, organisation: principal.tenant } });
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
