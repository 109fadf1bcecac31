import { z } from 'zod';
import { CAL_DECISIONS } from '@vigie/domain';
import {
  flatSchema,
  identifier,
  isoDate,
  pseudonymousIdSchema,
} from '../leases/record-signed-lease/record-signed-lease.schema.js';

/** Body of POST /v1/cal-decisions: what the commission decided for one vacant flat. */
export const calDecisionSchema = z
  .object({
    eventId: z.string().optional(),
    caseId: identifier('Référence du dossier'),
    bailleurId: identifier('Identifiant du bailleur'),
    calDate: isoDate,
    flat: flatSchema,
    candidates: z
      .array(
        z
          .object({
            rank: z.number().int().min(1).max(10),
            householdPseudonymousId: pseudonymousIdSchema,
            decision: z.enum(CAL_DECISIONS),
          })
          .strict(),
      )
      .min(1, 'Au moins un candidat examiné.')
      .max(10, 'Au plus 10 candidats.'),
    reservataireId: identifier('Identifiant du réservataire').nullable(),
  })
  .strict();

/** Body of POST /v1/cal-decisions/{caseId}/offer-declined. */
export const offerDeclinedSchema = z
  .object({
    eventId: z.string().optional(),
    bailleurId: identifier('Identifiant du bailleur'),
    householdPseudonymousId: pseudonymousIdSchema,
    declinedOn: isoDate,
    reason: z.string().min(1).max(500).nullable().default(null),
  })
  .strict();
