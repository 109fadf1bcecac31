import { RequestMethod, type Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum.js';
import { BODY_RULE, type BodyRule } from '../http/body.js';
import { CONTRACT, type RouteContract } from '../http/contract.js';
import { ACCESS_RULE, type AccessRule, PUBLIC_ROUTE } from './access.decorators.js';

export interface RouteRule {
  readonly method: string;
  /** Express-style path, e.g. `/v1/leases/:leaseId/cancellation`. */
  readonly path: string;
  readonly rule: AccessRule | 'public' | undefined;
  /** The body the route declares (`@JsonBody()`, `@TextBody()`), if any. */
  readonly body: BodyRule | undefined;
  /** Whether the handler takes the body (`@Body()`). */
  readonly takesBody: boolean;
  /** What the route promises (`@Contract()`), from which its OpenAPI operation is generated. */
  readonly contract: RouteContract | undefined;
}

const join = (...parts: string[]) =>
  `/${parts
    .flatMap((part) => part.split('/'))
    .filter(Boolean)
    .join('/')}`;

/** Every route of these controllers with its access rule, read from the decorators. */
export function routeRules(controllers: readonly Type[]): RouteRule[] {
  const routes: RouteRule[] = [];
  for (const controller of controllers) {
    const base = String(Reflect.getMetadata(PATH_METADATA, controller) ?? '');
    const classPublic = Reflect.getMetadata(PUBLIC_ROUTE, controller) === true;
    for (const name of Object.getOwnPropertyNames(controller.prototype)) {
      const handler = (controller.prototype as Record<string, unknown>)[name];
      if (name === 'constructor' || typeof handler !== 'function') continue;
      const path = Reflect.getMetadata(PATH_METADATA, handler) as string | undefined;
      if (path === undefined) continue;
      const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number]!;
      const isPublic = classPublic || Reflect.getMetadata(PUBLIC_ROUTE, handler) === true;
      const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, name) ?? {}) as Record<string, unknown>;
      routes.push({
        method,
        path: join(base, path),
        rule: isPublic ? 'public' : (Reflect.getMetadata(ACCESS_RULE, handler) as AccessRule | undefined),
        body: Reflect.getMetadata(BODY_RULE, handler) as BodyRule | undefined,
        contract: Reflect.getMetadata(CONTRACT, handler) as RouteContract | undefined,
        takesBody: Object.keys(args).some((key) => key.startsWith(`${RouteParamtypes.BODY}:`)),
      });
    }
  }
  return routes;
}

/** Refuses to start when a route has no access rule: a route without one would be closed anyway, but silently. */
export function assertEveryRouteHasARule(controllers: readonly Type[]): void {
  const missing = routeRules(controllers).filter((route) => route.rule === undefined);
  if (missing.length) {
    throw new Error(`Routes without an access rule: ${missing.map((route) => `${route.method} ${route.path}`).join(', ')}`);
  }
}

/**
 * Refuses to start when a handler takes a body (`@Body()`) without declaring its kind and limit,
 * declares one it does not take, or is public: a body is read only after authentication, so a
 * public route never gets one.
 */
export function assertEveryBodyIsDeclared(controllers: readonly Type[]): void {
  const wrong = routeRules(controllers).filter(
    (route) => route.takesBody !== (route.body !== undefined) || (route.body && route.rule === 'public'),
  );
  if (wrong.length) {
    throw new Error(
      `Routes whose body is not declared (@JsonBody / @TextBody with @Body, never on a public route): ${wrong.map((route) => `${route.method} ${route.path}`).join(', ')}`,
    );
  }
}

const TENANCY_FR: Record<AccessRule['tenancy']['kind'], string> = {
  none: 'données sans organisme',
  filtered: 'réponse restreinte ou masquée selon l’organisme de la clé',
  claimed: 'écriture pour son propre organisme uniquement (sinon 403 TENANT_FORBIDDEN)',
  existing: 'ressource de son propre organisme uniquement (sinon 404, comme une ressource inexistante)',
};

interface OpenApiOperation {
  description?: string;
  security?: unknown[];
  'x-vigie-roles'?: readonly string[];
}

/** Writes each route's access rule into the OpenAPI document: who may call it, on whose data. */
export function documentAccessRules(
  document: { paths: Record<string, Record<string, OpenApiOperation>> },
  controllers: readonly Type[],
): void {
  for (const route of routeRules(controllers)) {
    const operation = document.paths[route.path.replace(/:([A-Za-z]+)/g, '{$1}')]?.[route.method.toLowerCase()];
    if (!operation || route.rule === undefined) continue;
    if (route.rule === 'public') {
      operation.security = [];
      continue;
    }
    operation['x-vigie-roles'] = route.rule.roles;
    const body = route.body
      ? ` Corps : ${route.body.types.join(' ou ')}, ${Math.round(route.body.limit / 1024)} Kio au plus (lu après l’authentification).`
      : '';
    const access = `Accès : ${route.rule.roles.join(', ')} — ${TENANCY_FR[route.rule.tenancy.kind]}.${body}`;
    operation.description = operation.description ? `${operation.description}\n\n${access}` : access;
  }
}
