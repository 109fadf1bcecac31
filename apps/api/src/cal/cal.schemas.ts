import { z } from 'zod';
import { CAL_DECISIONS, type CalDecisionRecorded, type OfferDeclined } from '@vigie/domain';
import {
  flatSchema,
  identifier,
  isoDate,
  numeroUniqueSchema,
  type Pseudonymise,
} from '../leases/record-signed-lease/record-signed-lease.schema.js';
import { freeText } from '../http/free-text.js';

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
            numeroUnique: numeroUniqueSchema,
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
    numeroUnique: numeroUniqueSchema,
    declinedOn: isoDate,
    reason: freeText('Motif du refus', { max: 500 }).nullable().default(null),
  })
  .strict();

/** The CalDecisionRecorded fact of a request: each candidate's number replaced by its pseudonym. */
export function toCalDecisionData(
  input: Omit<z.output<typeof calDecisionSchema>, 'eventId'>,
  pseudonymise: Pseudonymise,
): CalDecisionRecorded['data'] {
  return {
    ...input,
    candidates: input.candidates.map(({ numeroUnique, ...candidate }) => ({
      rank: candidate.rank,
      householdPseudonymousId: pseudonymise(numeroUnique),
      decision: candidate.decision,
    })),
  };
}

/** The OfferDeclined fact of a request, the household number replaced by its pseudonym. */
export function toOfferDeclinedData(
  input: Omit<z.output<typeof offerDeclinedSchema>, 'eventId'> & { caseId: string },
  pseudonymise: Pseudonymise,
): OfferDeclined['data'] {
  const { numeroUnique, ...rest } = input;
  return {
    caseId: rest.caseId,
    bailleurId: rest.bailleurId,
    householdPseudonymousId: pseudonymise(numeroUnique),
    declinedOn: rest.declinedOn,
    reason: rest.reason,
  };
}
