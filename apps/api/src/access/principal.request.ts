import type { Request } from 'express';
import type { Principal } from '@vigie/access';

const PRINCIPAL = Symbol('vigie.principal');

type WithPrincipal = Request & { [PRINCIPAL]?: Principal };

/** The principal the access guard authenticated for this request, if any. */
export function principalOf(request: Request): Principal | undefined {
  return (request as WithPrincipal)[PRINCIPAL];
}

export function setPrincipal(request: Request, principal: Principal): void {
  (request as WithPrincipal)[PRINCIPAL] = principal;
}
