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

/** SIREN of an EPCI: 9 digits. */
export const SIREN = /^\d{9}$/;

/** A département: 2 digits, 2A / 2B, or 97x overseas. */
export const DEPARTEMENT = /^(\d{2}|2[AB]|97\d)$/;
