import { z } from 'zod';
import { businessDateSchema } from '../../http/dates.js';
import { organisationId, referenceId } from '../../http/identifiers.js';
import { CAL_DECISIONS, type CalDecisionRecorded } from '@vigie/domain';
import {
  flatSchema,
  numeroUniqueConfirmeSchema,
  numeroUniqueSchema,
  type Pseudonymise,
  withConfirmableNumeroUnique,
} from '../record-signed-lease/record-signed-lease.schema.js';

/** Body of POST /v1/cal-decisions: what the commission decided for one vacant flat. */
export const calDecisionSchema = z
  .object({
    eventId: z.string().optional(),
    caseId: referenceId('Référence du dossier'),
    bailleurId: organisationId('Identifiant du bailleur'),
    calDate: businessDateSchema,
    flat: flatSchema,
    candidates: z
      .array(
        withConfirmableNumeroUnique(
          z
            .object({
              rank: z.number().int().min(1).max(10),
              numeroUnique: numeroUniqueSchema,
              numeroUniqueConfirme: numeroUniqueConfirmeSchema,
              decision: z.enum(CAL_DECISIONS),
            })
            .strict(),
        ),
      )
      .min(1, 'Au moins un candidat examiné.')
      .max(10, 'Au plus 10 candidats.'),
    reservataireId: organisationId('Identifiant du réservataire').nullable(),
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
