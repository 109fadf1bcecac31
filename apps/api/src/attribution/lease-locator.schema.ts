import { z } from 'zod';
import { organisationId, referenceId } from '../http/identifiers.js';

/** Which case a lease change is about: the bailleur and its case reference name the stream. */
export const leaseLocatorSchema = z.object({
  eventId: z.string().optional(),
  bailleurId: organisationId('Identifiant du bailleur'),
  caseId: referenceId('Référence du dossier'),
});
