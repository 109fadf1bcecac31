import { z } from 'zod';
import { organisationId, referenceId } from '../http/identifiers.js';
import type { ReadStreamResult } from '@vigie/event-store';

/** Which case a lease change is about: the bailleur and its case reference name the stream. */
export const leaseLocatorSchema = z.object({
  eventId: z.string().optional(),
  bailleurId: organisationId('Identifiant du bailleur'),
  caseId: referenceId('Référence du dossier'),
});

/** Id of the event holding the lease's current version (the last LeaseSigned or LeaseCorrected). */
export function currentLeaseEventId(stream: ReadStreamResult): string | null {
  for (let i = stream.events.length - 1; i >= 0; i -= 1) {
    const event = stream.events[i]!;
    if (event.type === 'LeaseSigned' || event.type === 'LeaseCorrected') return event.eventId;
    if (event.type === 'LeaseCancelled') return null;
  }
  return null;
}
