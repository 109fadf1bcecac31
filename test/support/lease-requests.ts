import type { LeaseSignedData } from '@vigie/domain';

/** The body of POST /v1/leases for a lease fact: the household's number in place of its pseudonym. */
export function leaseRequest<L extends LeaseSignedData>(lease: L) {
  const {
    household: { pseudonymousId, ...household },
    ...rest
  } = lease;
  return { ...rest, household: { numeroUnique: pseudonymousId, ...household } };
}
