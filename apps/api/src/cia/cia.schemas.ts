import { z } from 'zod';
import { businessDateSchema } from '../http/dates.js';
import { freeText } from '../http/free-text.js';
import { qpvCodeParam } from '../referential/referential.schemas.js';

const share = z.number().min(0, 'Part entre 0 et 1 (ex. 0.25 pour 25 %).').max(1, 'Part entre 0 et 1 (ex. 0.25 pour 25 %).');
const id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, 'Identifiant : lettres, chiffres et . _ - uniquement.');
const insee = z.string().regex(/^(\d{5}|2[AB]\d{3})$/, 'Code commune INSEE attendu (5 caractères, ex. 59350).');
const year = z.number().int().min(2000).max(2100);

/** The parts of a CIA a deliberation sets; what is left out keeps its legal default (or current value, for an amendment). */
export const ciaTermsSchema = z
  .object({
    period: z.object({ startYear: year, endYear: year }).strict().optional(),
    objectives: z
      .object({
        hq1: z.object({ target: share }).strict().optional(),
        qnq1: z.object({ target: share }).strict().optional(),
        prio: z
          .object({
            target: share.optional(),
            /** A réservataire's own target, or null to remove it (`non_reserve`: each bailleur's non-réservé stock). */
            byReservataire: z.record(id, share.nullable()).optional(),
            /** Targets on the EPCI-wide, per-bailleur, per-sector, per-commune PRIO figures (information otherwise). */
            scopeTargets: z
              .object({
                epci: share.nullable().optional(),
                bailleur: share.nullable().optional(),
                secteur: share.nullable().optional(),
                commune: share.nullable().optional(),
              })
              .strict()
              .optional(),
          })
          .strict()
          .optional(),
        anru: z.object({ target: share.nullable() }).strict().optional(),
      })
      .strict()
      .optional(),
    sectors: z
      .array(
        z
          .object({
            id,
            name: freeText('Nom du secteur', { max: 200 }),
            communes: z.array(insee).default([]),
            qpvs: z.array(qpvCodeParam).default([]),
          })
          .strict(),
      )
      .max(200)
      .optional(),
    territorialObjectives: z
      .array(
        z
          .object({
            id,
            label: freeText('Libellé de l’objectif', { max: 300 }),
            objective: z.enum(['HQ1', 'QNQ1', 'PRIO']),
            target: share,
            filter: z
              .object({ sectorId: id.optional(), communes: z.array(insee).optional(), bailleurId: id.optional() })
              .strict(),
          })
          .strict(),
      )
      .max(200)
      .optional(),
    options: z
      .object({
        includeInternalMutations: z
          .object({ hq1: z.boolean(), qnq1: z.boolean(), prio: z.boolean() })
          .partial()
          .strict()
          .optional(),
        alerts: z
          .object({
            tolerance: share,
            minimumSample: z.number().int().min(1).max(100_000),
            hysteresis: share,
            unknownQ1MaxShare: share,
          })
          .partial()
          .strict()
          .optional(),
        ucScale: z
          .object({
            firstAdult: z.number().positive().max(5),
            otherAged14OrMore: z.number().min(0).max(5),
            childUnder14: z.number().min(0).max(5),
          })
          .strict()
          .optional(),
      })
      .strict()
      .optional(),
    reference: freeText('Référence de la délibération', { max: 300 }).nullable().optional(),
  })
  .strict();

export const adoptCiaSchema = z
  .object({ eventId: z.string().optional(), adoptedOn: businessDateSchema, terms: ciaTermsSchema })
  .strict();
export const amendCiaSchema = z
  .object({ eventId: z.string().optional(), amendedOn: businessDateSchema, terms: ciaTermsSchema })
  .strict();
export const thresholdSchema = z
  .object({
    eventId: z.string().optional(),
    year,
    amountPerUc: z.number().positive('Montant par UC strictement positif.').max(1_000_000),
    source: freeText('Référence de l’arrêté', { max: 300, required: 'Référence de l’arrêté obligatoire.' }),
  })
  .strict();
