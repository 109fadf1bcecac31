import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiKeyStore, owns, type Principal } from '@vigie/access';
import { BODY_RULE, type BodyRule, hasBody, readBody } from '../http/body.js';
import { problemOf as problem } from '../http/problem.js';
import { isStorableText, unstorableFields } from '../http/storable.js';
import { ACCESS_RULE, type AccessRule, PUBLIC_ROUTE } from './access.decorators.js';
import { setPrincipal } from './principal.request.js';
import { TenancyResolver } from './tenancy.resolver.js';
import { SessionAuthenticator } from './sessions/session-authenticator.js';

/** What the guard reads of a handler's metadata, read once per handler (not per request). */
interface HandlerRules {
  readonly isPublic: boolean;
  readonly rule: AccessRule | undefined;
  readonly body: BodyRule | undefined;
}

/**
 * Access is closed by default: every route answers 401 without a valid key or session, 403 ACCESS_RULE_MISSING
 * without a declared rule (and the application refuses to start with such a route), 403 for a role
 * the rule does not name, and, for another organisation's resource, the very 404 of a resource
 * that does not exist.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  private readonly rules = new WeakMap<object, HandlerRules>();

  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeyStore,
    private readonly tenancy: TenancyResolver,
    private readonly sessions: SessionAuthenticator,
  ) {}

  /**
   * Synchronous when it can be (a key already verified, no body to read, no ownership to look
   * up): a read with a known key costs no promise here.
   */
  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const handler = context.getHandler();
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    // Path ids are read below (owners of an existing resource) before any schema: refuse what
    // PostgreSQL cannot store (a %00, a lone surrogate) before it reaches the database.
    const params = (request.params ?? {}) as Record<string, unknown>;
    for (const key in params) {
      if (!isStorableText(key) || !isStorableText(String(params[key]))) {
        throw problem('VALIDATION_FAILED', { errors: unstorableFields(params) });
      }
    }
    const rules = this.rulesOf(handler, context.getClass());
    if (rules.isPublic) return true;
    const header = request.headers.authorization;
    const token = header?.match(/^Bearer\s+(\S+)$/i)?.[1];
    // An API key when one is presented; else a person's session cookie (the same principal, the
    // same rules below), whose state-changing requests must also carry the session's CSRF token.
    const principal = token ? this.keys.verifiedPrincipal(token) : undefined;
    if (principal !== undefined) return this.authorize(request, http.getResponse<FastifyReply>(), rules, principal, true);
    return (async () => {
      const found = token ? await this.keys.authenticate(token) : header ? null : await this.sessions.principal(request);
      return this.authorize(request, http.getResponse<FastifyReply>(), rules, found, Boolean(token));
    })();
  }

  private rulesOf(handler: object, controller: object): HandlerRules {
    let rules = this.rules.get(handler);
    if (!rules) {
      rules = {
        isPublic: Boolean(this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, [handler as never, controller as never])),
        rule: this.reflector.get<AccessRule | undefined>(ACCESS_RULE, handler as never),
        body: this.reflector.get<BodyRule | undefined>(BODY_RULE, handler as never),
      };
      this.rules.set(handler, rules);
    }
    return rules;
  }

  private authorize(
    request: FastifyRequest,
    reply: FastifyReply,
    { rule, body }: HandlerRules,
    principal: Principal | null,
    byKey: boolean,
  ): boolean | Promise<boolean> {
    if (!principal) {
      reply.header('WWW-Authenticate', 'Bearer realm="vigie"');
      throw problem('UNAUTHENTICATED');
    }
    if (!byKey && !this.sessions.csrfAllows(request)) throw problem('CSRF_TOKEN_INVALID');
    setPrincipal(request, principal);
    if (!rule) throw problem('ACCESS_RULE_MISSING');
    if (!rule.roles.includes(principal.role)) throw problem('ROLE_FORBIDDEN');
    // Only now is the body read (the ownership checks below look into it): never for a caller
    // without a valid key or of another role, never on a route that takes none.
    if (body && hasBody(request)) return readBody(request, reply, body).then(() => this.owns(request, rule, principal));
    return this.owns(request, rule, principal);
  }

  private owns(request: FastifyRequest, rule: AccessRule, principal: Principal): boolean | Promise<boolean> {
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
      return Promise.resolve(tenancy.owners(request, this.tenancy)).then((owners) => {
        if (owners === null || (owners !== undefined && !owns(principal, owners))) throw problem(tenancy.notFound);
        return true;
      });
    }
    return true;
  }
}
