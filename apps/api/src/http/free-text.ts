import { z } from 'zod';
import { looksLikeNumeroUnique } from '@vigie/access';

/** Field error code of a free text refused because it looks like it carries a household number. */
export const PERSONAL_DATA_IN_FREE_TEXT = 'PERSONAL_DATA_IN_FREE_TEXT';

/**
 * The one schema of a free-text field (a reason, a label, a name, a reference): every such field
 * of the API and of the import files goes through it. It refuses, rather than pseudonymises, a text
 * holding what looks like a numéro unique (10 digits or more, possibly spaced): a household is named
 * only in `numeroUnique` fields, which are pseudonymised; anywhere else the number would be kept in
 * clear. The refusal never repeats the text.
 */
export function freeText(label: string, options: { readonly max: number; readonly required?: string }) {
  return z
    .string()
    .min(1, options.required)
    .max(options.max)
    .refine((value) => !looksLikeNumeroUnique(value), {
      message:
        `${label} : ce texte contient une suite d’au moins 10 chiffres, qui peut être le numéro unique d’un ménage. ` +
        'Un texte libre ne doit contenir aucune donnée personnelle : retirez ce numéro (un ménage se désigne par le champ numeroUnique).',
      params: { code: PERSONAL_DATA_IN_FREE_TEXT },
    });
}
