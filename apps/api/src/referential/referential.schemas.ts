import { z } from 'zod';
import { businessDateSchema } from '../http/dates.js';
import { QPV_LISTS, RESERVATAIRE_KINDS } from '@vigie/domain';
import { newSiren } from '../http/identifiers.js';
import { freeText } from '../http/free-text.js';

const insee = z.string().regex(/^(\d{5}|2[AB]\d{3})$/, 'Code commune INSEE attendu (5 caractères, ex. 59350).');
export const qpvCodeParam = z.string().regex(/^Q[A-Z0-9]{5,9}$/, 'Code QPV attendu (ex. QP059001 ou QN05901M).');

export const epciBodySchema = z
  .object({
    name: freeText('Nom de l’EPCI', { max: 200 }).optional(),
    /** Member communes; defaults to the official referential's list. */
    communes: z.array(insee).min(1).max(1_000).optional(),
    /** First day of this composition; defaults to the first day the shipped official referential describes (2026-01-01). */
    validFrom: businessDateSchema.optional(),
    /** Last day of this composition; by default it lasts until the next registered version starts. */
    validTo: businessDateSchema.nullable().optional(),
  })
  .strict();

export const qpvBodySchema = z
  .object({
    name: freeText('Nom du QPV', { max: 200 }),
    list: z.enum(QPV_LISTS),
    communes: z.array(insee).min(1).max(50),
    /** Defaults: the period of its list in its territory (libs/referential qpv-lists: overseas changed list a year later). */
    validFrom: businessDateSchema.optional(),
    validTo: businessDateSchema.nullable().optional(),
  })
  .strict();

export const bailleurBodySchema = z
  .object({
    name: freeText('Nom du bailleur', { max: 200 }),
    siren: newSiren('SIREN du bailleur').nullable().default(null),
  })
  .strict();

export const reservataireBodySchema = z
  .object({ name: freeText('Nom du réservataire', { max: 200 }), kind: z.enum(RESERVATAIRE_KINDS) })
  .strict();
