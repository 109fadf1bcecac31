import { z } from 'zod';
import { freeText } from '../../http/free-text.js';

const share = z.number().min(0, 'Taux entre 0 et 1 (ex. 0.1 pour 10 %).').max(1, 'Taux entre 0 et 1 (ex. 0.1 pour 10 %).');
const count = z.number().int().min(0).max(10_000_000);
const years = z.number().positive().max(99);

/** The calculator's input; also what a convention records when its parties adopt a conversion. */
export const stockConversionSchema = z
  .object({
    stock: count,
    turnoverRates: z.array(share).min(1, 'Au moins une année de taux de rotation.').max(5),
    exclusions: z.record(freeText('Motif d’exclusion', { max: 60 }), count).default({}),
    method: z.enum(['global', 'per_convention']),
    conventions: z
      .array(z.object({ id: freeText('Nom de la convention', { max: 100 }), rights: count, remainingYears: years }).strict())
      .max(500)
      .optional(),
    rights: count.optional(),
    meanRemainingYears: years.optional(),
    spreadOverYears: z.number().int().min(1).max(30),
    firstYear: z.number().int().min(2000).max(2100),
    departements: z
      .array(
        z.object({ code: z.string().regex(/^(\d{2,3}|2[AB])$/, 'Code de département attendu (ex. 59).'), stock: count }).strict(),
      )
      .max(101)
      .optional(),
  })
  .strict();
