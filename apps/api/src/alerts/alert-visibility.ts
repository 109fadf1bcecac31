import { alertParties, type AlertParties, type AlertSubject } from '@vigie/domain';
import type { AlertAudience } from '@vigie/projections';
import type { Principal } from '@vigie/access';
import type { TenancyResolver } from '../access/tenancy.resolver.js';

/**
 * Whose alerts a principal sees: an EPCI its own; the État's services of a département those of
 * its EPCIs and of the conventions there; a bailleur or a réservataire every alert naming it as a
 * party (its own scope, its PRIO pairs, its conventions: never another bailleur's scope, so no
 * figure of another organisation is shown). Admin: everyone's (undefined).
 */
export function alertAudience(principal: Principal, tenancy: TenancyResolver): AlertAudience | undefined {
  const own = principal.tenant ?? '';
  switch (principal.role) {
    case 'admin':
      return undefined;
    case 'epci':
      return { kind: 'epci', id: own };
    case 'etat':
      return { kind: 'departement', id: own, epciSirens: tenancy.epcisOfDepartement(own) };
    default:
      return { kind: principal.role, id: own };
  }
}

/** The same rule as the listing's (listAlerts with alertAudience), on one alert's parties. */
export function mayPrincipalSeeAlert(principal: Principal, parties: AlertParties, tenancy: TenancyResolver): boolean {
  const audience = alertAudience(principal, tenancy);
  if (!audience) return true;
  switch (audience.kind) {
    case 'epci':
      return parties.epciSiren === audience.id;
    case 'bailleur':
      return parties.bailleurs.includes(audience.id);
    case 'reservataire':
      return parties.reservataires.includes(audience.id);
    case 'departement':
      return (
        (parties.epciSiren !== null && audience.epciSirens.includes(parties.epciSiren)) ||
        parties.departements.includes(audience.id)
      );
  }
}

/**
 * Whether the live stream pushes an alert event to a principal: what it would list, except, for the
 * État's services, a convention's flux alert (its households go under statistical secrecy unless
 * the convention is the préfet's, which the listing reads from the referential): they find it,
 * masked where due, in GET /v1/alerts. The préfet contingent's alerts (État conventions only) are pushed.
 */
export function mayPushAlertLive(principal: Principal, data: unknown, tenancy: TenancyResolver): boolean {
  const subject = data as AlertSubject;
  if (!mayPrincipalSeeAlert(principal, alertParties(subject), tenancy)) return false;
  return !(principal.role === 'etat' && subject.scope.kind === 'convention' && subject.rule !== 'CONTINGENT_MISUSE');
}
