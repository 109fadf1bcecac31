import type { Request } from 'express';
import type { Principal } from '@vigie/access';

/** Kept beside the request rather than on it: adding a property to every request object costs a shape change. */
const principals = new WeakMap<Request, Principal>();

/** The principal the access guard authenticated for this request, if any. */
export function principalOf(request: Request): Principal | undefined {
  return principals.get(request);
}

export function setPrincipal(request: Request, principal: Principal): void {
  principals.set(request, principal);
}
