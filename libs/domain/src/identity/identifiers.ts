/**
 * One pattern per kind of identifier, shared by every schema that reads one (API bodies and
 * paths, import rows, API key tenants). Identifiers are ASCII: a look-alike letter from another
 * script (Cyrillic `һ` for `h`) would make two organisations that read the same.
 */

/**
 * An organisation's id, chosen at registration (bailleur `lille-metropole-habitat`, réservataire
 * `action-logement`): letters, digits, `.`, `_`, `-`, 1 to 100 characters. No `:` nor `/`, so
 * that an actor (`role:organisation:key`) and a path segment stay unambiguous.
 */
export const ORGANISATION_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/**
 * A reference an organisation gives to its own records (case `D-2026-0001`, lease, convention,
 * sector): as an organisation id, plus `:` and `/` that bailleurs' software uses
 * (`2026/0001`). Keys built from it go through `compositeKey`, which escapes them.
 */
export const REFERENCE_ID = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,99}$/;

/** SIREN of an EPCI or a bailleur: 9 digits. */
export const SIREN = /^\d{9}$/;

/**
 * Whether a SIREN's nine digits pass its Luhn check digit (INSEE's rule for SIREN numbers): a
 * single mistyped digit, or two adjacent digits swapped, always fails it.
 */
export function sirenCheckDigitValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i += 1) {
    let digit = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) digit = digit * 2 > 9 ? digit * 2 - 9 : digit * 2;
    sum += digit;
  }
  return sum % 10 === 0;
}

/** A département: 2 digits, 2A / 2B, or 97x overseas. */
export const DEPARTEMENT = /^(\d{2}|2[AB]|97\d)$/;
