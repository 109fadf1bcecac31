import { RequestMethod, type Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { ACCESS_RULE, type AccessRule, PUBLIC_ROUTE } from './access.decorators.js';

export interface RouteRule {
  readonly method: string;
  /** Express-style path, e.g. `/v1/leases/:leaseId/cancellation`. */
  readonly path: string;
  readonly rule: AccessRule | 'public' | undefined;
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
      routes.push({
        method,
        path: join(base, path),
        rule: isPublic ? 'public' : (Reflect.getMetadata(ACCESS_RULE, handler) as AccessRule | undefined),
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
