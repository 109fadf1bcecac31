import { z } from 'zod';
import { isBusinessDate } from '@vigie/domain';

/** The years a date of Vigie's facts and referential may fall in: an EPCI, a QPV or a lease outside them is a typing error. */
export const FIRST_YEAR = 1900;
export const LAST_YEAR = 2100;

/**
 * The one schema of a business date in a body (`YYYY-MM-DD`, a real calendar day of years
 * FIRST_YEAR..LAST_YEAR, no time, no offset): lease, CAL and convention dates, CIA adoption and
 * amendment, referential validity. Each check stops the next: a malformed date is one French
 * message, not three.
 */
export const businessDateSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'Date attendue au format AAAA-MM-JJ (ex. 2026-03-02).', abort: true })
  .refine(isBusinessDate, { message: 'Date inexistante (mois de 01 à 12, jour existant dans le mois).', abort: true })
  .refine((value) => value >= `${FIRST_YEAR}-01-01` && value <= `${LAST_YEAR}-12-31`, {
    message: `Année hors de la plage ${FIRST_YEAR}–${LAST_YEAR} : vérifiez la saisie.`,
    abort: true,
  });
