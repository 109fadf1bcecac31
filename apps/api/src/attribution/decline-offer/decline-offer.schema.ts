import { z } from 'zod';
import { businessDateSchema } from '../../http/dates.js';
import type { OfferDeclined } from '@vigie/domain';
import { freeText } from '../../http/free-text.js';
import { organisationId } from '../../http/identifiers.js';
import {
  numeroUniqueConfirmeSchema,
  numeroUniqueSchema,
  type Pseudonymise,
  withConfirmableNumeroUnique,
} from '../record-signed-lease/record-signed-lease.schema.js';

/** Body of POST /v1/cal-decisions/{caseId}/offer-declined. */
export const offerDeclinedShape = z
  .object({
    eventId: z.string().optional(),
    bailleurId: organisationId('Identifiant du bailleur'),
    numeroUnique: numeroUniqueSchema,
    numeroUniqueConfirme: numeroUniqueConfirmeSchema,
    declinedOn: businessDateSchema,
    reason: freeText('Motif du refus', { max: 500 }).nullable().default(null),
  })
  .strict();
export const offerDeclinedSchema = withConfirmableNumeroUnique(offerDeclinedShape);

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
