import { z } from 'zod';
import { DEPARTEMENT, ORGANISATION_ID, REFERENCE_ID, SIREN, sirenCheckDigitValid } from '@vigie/domain';
import { normaliseNumeroUnique } from '@vigie/access';

/**
 * The zod schemas of identifiers, one per kind (patterns in libs/domain/src/identity): every body,
 * path, query and import row reads identifiers through these, with a French message naming the field.
 */

/** A bailleur's or réservataire's id (`lille-metropole-habitat`). */
export const organisationId = (label: string) =>
  z.string().regex(ORGANISATION_ID, `${label} : 1 à 100 caractères, lettres et chiffres sans accent, . _ - uniquement.`);

/** A reference an organisation gives to its records: case, lease, convention (`D-2026/0001`). */
export const referenceId = (label: string) =>
  z.string().regex(REFERENCE_ID, `${label} : 1 à 100 caractères, lettres et chiffres sans accent, . _ : / - uniquement.`);

export const siren = (label: string) => z.string().regex(SIREN, `${label} : SIREN attendu (9 chiffres).`);

/**
 * A SIREN entering the referential (a bailleur's, when it is registered): its Luhn check digit is
 * verified too. A SIREN that names a registered EPCI is checked against the registered ones
 * instead, which also gives the closest one to a mistyped number.
 */
export const newSiren = (label: string) =>
  siren(label).refine(
    sirenCheckDigitValid,
    `${label} : clé de contrôle (Luhn) fausse, vérifiez le numéro (avis de situation SIRENE).`,
  );

export const departement = z.string().regex(DEPARTEMENT, 'Code de département attendu (ex. 59, 2A, 971).');

/** A commune's INSEE code (`59350`, `2A004`). */
export const communeInsee = z.string().regex(/^(\d{5}|2[AB]\d{3})$/, 'Code commune INSEE attendu (5 caractères, ex. 59350).');

/** A number a spreadsheet wrote in scientific notation (`5,91227E+16`). */
export const SCIENTIFIC_NOTATION = /^\d+(?:[.,]\d+)?e[+-]?\d+$/i;

/**
 * What a spreadsheet did to a numéro unique d'enregistrement (18 characters, art. L. 441-2-1 CCH:
 * the département on three — `059`, `02A`, `974` — then year, month, office and sequence) when it
 * read it as a number, in French, or null when it shows no such damage. A spreadsheet keeps 15
 * significant digits and no leading zero, so the rule is exact on what it can produce:
 * - scientific notation (`5,91227E+16`);
 * - 17 or 16 digits: the leading zero(s) of départements 001–095 lost (a numéro is 18 characters);
 *   zeros after the 15th digit then say the end was lost too;
 * - 18 digits not starting with 0 (départements 971–976) ending in `000`: what a spreadsheet turns
 *   every such number into. A genuine numéro ends in `000` once in a thousand: this case alone is
 *   `confirmable` — the bailleur who checked it in its software confirms it
 *   (`numeroUniqueConfirme: true` next to it, column `numero_unique_confirme` = oui in a file) and
 *   it is accepted (`confirmed`).
 * An 18-digit value starting with 0 kept its leading zero, so was read as text: zeros at its end are
 * genuine (refusing them would turn away 1 in 100 real numéros, 1 in 10 for départements 001–009).
 * Such a value would be taken as another household, silently: the import and the API refuse it alike.
 */
export function numeroUniqueDamage(
  value: string,
  confirmed = false,
): { readonly what: string; readonly confirmable: boolean } | null {
  // Read as Vigie compares numéros (spaces dropped): `5912 2700 0000 0123 0` is 17 digits too.
  const digits = normaliseNumeroUnique(value);
  if (SCIENTIFIC_NOTATION.test(digits)) return { what: 'écrit en notation scientifique', confirmable: false };
  if (!/^\d+$/.test(digits)) return null;
  return damageOfDigits(digits, confirmed);
}

function damageOfDigits(value: string, confirmed: boolean): { readonly what: string; readonly confirmable: boolean } | null {
  const what: string[] = [];
  if (value.length === 17) what.push('zéro initial perdu (17 chiffres au lieu de 18)');
  if (value.length === 16) what.push('zéros initiaux perdus (16 chiffres au lieu de 18)');
  const confirmable = what.length === 0 && value.length === 18 && !value.startsWith('0');
  if ((what.length > 0 || confirmable) && /^0+$/.test(value.slice(15)))
    what.push('chiffres après le 15e remplacés par des zéros');
  if (!what.length || (confirmable && confirmed)) return null;
  return { what: what.join(', '), confirmable };
}

/** What a refusal of a confirmable numéro unique adds: how to confirm a genuine one, in the API and in a file. */
export const CONFIRM_NUMERO_UNIQUE =
  'S’il est exact (départements 971 à 976 : un numéro sur mille finit par 000), confirmez-le : "numeroUniqueConfirme": true à côté du numéro (API, NDJSON), colonne numero_unique_confirme = oui (CSV, XLSX).';
