import { z } from 'zod';
import { businessDateSchema } from '../../http/dates.js';
import { freeText } from '../../http/free-text.js';
import { departementOfCommune, EXCLUSION_REASONS } from '@vigie/domain';
import { communeInsee, departement, organisationId, referenceId, siren } from '../../http/identifiers.js';

const rpls = z.string().regex(/^[A-Za-z0-9]{1,20}$/, 'Identifiant RPLS : 1 à 20 lettres ou chiffres.');
const base = { eventId: z.string().optional(), bailleurId: organisationId('Identifiant du bailleur'), rplsId: rpls };

export const releaseSchema = z
  .object({
    ...base,
    departement,
    releasedOn: businessDateSchema,
    inNetBase: z.boolean(),
    exclusionReason: z.enum(EXCLUSION_REASONS).nullable().default(null),
    /** The flat's commune and EPCI: needed for it to count in a convention of communes or EPCIs. */
    communeInsee: communeInsee.optional(),
    epciSiren: siren('SIREN de l’EPCI').optional(),
  })
  .strict()
  .refine((release) => !release.communeInsee || departementOfCommune(release.communeInsee) === release.departement, {
    path: ['communeInsee'],
    message: 'La commune n’est pas dans le département indiqué.',
  });

/** A convention's id lives in the namespace of its two parties: a flux fact names the réservataire too. */
const convention = {
  reservataireId: organisationId('Identifiant du réservataire'),
  conventionId: referenceId('Identifiant de la convention'),
};
export const orientationSchema = z.object({ ...base, ...convention, orientedOn: businessDateSchema }).strict();
export const returnSchema = z
  .object({
    ...base,
    ...convention,
    returnedOn: businessDateSchema,
    reason: freeText('Motif du retour', { max: 500, required: 'Motif obligatoire.' }),
  })
  .strict();
