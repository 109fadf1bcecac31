import { z } from 'zod';
import { DEPARTEMENT, ORGANISATION_ID, REFERENCE_ID, SIREN } from '@vigie/domain';

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

export const departement = z.string().regex(DEPARTEMENT, 'Code de département attendu (ex. 59, 2A, 971).');

/** A commune's INSEE code (`59350`, `2A004`). */
export const communeInsee = z.string().regex(/^(\d{5}|2[AB]\d{3})$/, 'Code commune INSEE attendu (5 caractères, ex. 59350).');

/** A number a spreadsheet wrote in scientific notation (`5,91227E+16`). */
export const SCIENTIFIC_NOTATION = /^\d+(?:[.,]\d+)?e[+-]?\d+$/i;

/**
 * What a spreadsheet did to a numéro unique d'enregistrement (18 characters, art. L. 441-2-1 CCH)
 * when it read it as a number, in French, or null when it shows no such damage: scientific
 * notation, the leading 0 dropped (17 digits), digits after the 15th turned into zeros. Such a
 * value would be taken as another household, silently: the import and the API refuse it alike.
 */
export function numeroUniqueDamage(value: string): string | null {
  if (SCIENTIFIC_NOTATION.test(value)) return 'écrit en notation scientifique';
  if (!/^\d+$/.test(value)) return null;
  const significant = value.replace(/^0+/, '');
  const what: string[] = [];
  if (value.length === 17) what.push('zéro initial perdu (17 chiffres au lieu de 18)');
  if (significant.length > 15 && /^0+$/.test(significant.slice(15))) what.push('chiffres après le 15e remplacés par des zéros');
  return what.length ? what.join(', ') : null;
}
