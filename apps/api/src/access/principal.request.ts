import type { FastifyRequest } from 'fastify';
import type { Principal } from '@vigie/access';

/** Kept beside the request rather than on it: adding a property to every request object costs a shape change. */
const principals = new WeakMap<FastifyRequest, Principal>();

/** The principal the access guard authenticated for this request, if any. */
export function principalOf(request: FastifyRequest): Principal | undefined {
  return principals.get(request);
}

export function setPrincipal(request: FastifyRequest, principal: Principal): void {
  principals.set(request, principal);
}
