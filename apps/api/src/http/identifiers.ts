import { z } from 'zod';
import { DEPARTEMENT, ORGANISATION_ID, REFERENCE_ID, SIREN } from '@vigie/domain';

/**
 * The zod schemas of identifiers, one per kind (patterns in libs/domain/src/identity): every body,
 * path, query and import row reads identifiers through these, with a French message naming the field.
 */

/** A bailleur's or réservataire's id (`lille-metropole-habitat`). */
export const organisationId = (label: string) =>
  z.string().regex(ORGANISATION_ID, `${label} : 1 à 100 caractères, lettres et chiffres sans accent, . _ - uniquement.`);

/** A reference an organisation gives to its records: case, lease, convention (`D-2026/0001`). */
export const referenceId = (label: string) =>
  z.string().regex(REFERENCE_ID, `${label} : 1 à 100 caractères, lettres et chiffres sans accent, . _ : / - uniquement.`);

export const siren = (label: string) => z.string().regex(SIREN, `${label} : SIREN attendu (9 chiffres).`);

export const departement = z.string().regex(DEPARTEMENT, 'Code de département attendu (ex. 59, 2A, 971).');

/** A commune's INSEE code (`59350`, `2A004`). */
export const communeInsee = z.string().regex(/^(\d{5}|2[AB]\d{3})$/, 'Code commune INSEE attendu (5 caractères, ex. 59350).');
