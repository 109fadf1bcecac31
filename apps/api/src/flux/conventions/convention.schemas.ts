import { z } from 'zod';
import { CONVENTION_PARTIES, type ConventionParty } from '@vigie/domain';
import type { Principal } from '@vigie/access';
import { organisationId, referenceId } from '../../http/identifiers.js';
import { problemOf } from '../../http/problem.js';

export const year = z.number().int().min(2000).max(2100);
export const agreedBySchema = z.array(z.enum(CONVENTION_PARTIES)).min(1).max(2).optional();

/** A convention's id lives in the namespace of its two parties: its path names all three. */
export const CONVENTION_PATH = ':bailleurId/:reservataireId/:conventionId';
export const conventionPathSchema = z.object({
  bailleurId: organisationId('Identifiant du bailleur'),
  reservataireId: organisationId('Identifiant du réservataire'),
  conventionId: referenceId('Identifiant de la convention'),
});

/** The share of the flux or the annual volume a convention (or a revision) sets. */
export const amounts = {
  fluxShare: z
    .number()
    .gt(0, 'Part du flux strictement positive.')
    .max(1, 'Part du flux au plus 1 (100 %).')
    .nullable()
    .default(null),
  annualVolume: z.number().int().positive('Volume annuel strictement positif.').max(1_000_000).nullable().default(null),
};

/**
 * The parties whose agreement a write records: a bailleur's or réservataire's key gives its own
 * organisation's (and only that); an admin records what it is told (a convention signed on paper:
 * both, by default).
 */
export function agreementOf(principal: Principal, asked: readonly ConventionParty[] | undefined): ConventionParty[] {
  if (principal.role === 'admin') return [...new Set(asked ?? CONVENTION_PARTIES)];
  const own = principal.role as ConventionParty;
  if (asked && asked.some((party) => party !== own)) throw problemOf('AGREEMENT_NOT_YOURS');
  return [own];
}
