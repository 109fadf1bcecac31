import { z } from 'zod';
import { CONFIRM_NUMERO_UNIQUE, numeroUniqueDamage, organisationId, referenceId } from '../../http/identifiers.js';
import { FINANCINGS, GESTION_MODES, type LeaseSignedData, NO_HOUSEHOLD_FLAGS, TYPOLOGIES } from '@vigie/domain';
import { freeText } from '../../http/free-text.js';
import { businessDateSchema } from '../../http/dates.js';

const count = z.number().int().min(0).max(30);

/** Words that say "no category" (in any case). */
const NEGATIVE_CATEGORY = /^(non|no|n|aucune?|sans|0|false|faux|-|n\/a|nc)$/i;

export const flatSchema = z
  .object({
    rplsId: z.string().regex(/^[A-Za-z0-9]{1,20}$/, 'Identifiant RPLS : 1 à 20 lettres ou chiffres.'),
    communeInsee: z.string().regex(/^(\d{5}|2[AB]\d{3})$/, 'Code commune INSEE attendu (5 caractères, ex. 59350).'),
    epciSiren: z.string().regex(/^\d{9}$/, 'SIREN de l’EPCI attendu (9 chiffres).'),
    qpvCode: z
      .string()
      .regex(/^Q[A-Z0-9]{5,9}$/, 'Code QPV attendu (ex. QP059001 ou QN05901M), ou null hors QPV.')
      .nullable(),
    typology: z.enum(TYPOLOGIES),
    financing: z.enum(FINANCINGS),
  })
  .strict();

const damageMessage = (damage: { what: string; confirmable: boolean }) =>
  `Numéro unique abîmé par un tableur (${damage.what}) : envoyez-le tel que votre logiciel l’enregistre (18 caractères, en texte).${damage.confirmable ? ` ${CONFIRM_NUMERO_UNIQUE}` : ''}`;

/**
 * The household's numéro unique (SNE) as the bailleur knows it. It never reaches the event
 * store: Vigie replaces it on entry by a keyed-hash pseudonym (see `Pseudonymiser`). A damage the
 * bailleur may confirm (an overseas numéro ending in 000) is checked by the object holding it,
 * which sees `numeroUniqueConfirme` next to it (`withConfirmableNumeroUnique`).
 */
export const numeroUniqueSchema = z.string().superRefine((value, context) => {
  // One message per value: a spreadsheet's damage says what happened, not only that the format is wrong.
  const damage = numeroUniqueDamage(value);
  if (damage && !damage.confirmable)
    context.addIssue({ code: 'custom', params: { code: 'SPREADSHEET_DAMAGE' }, message: damageMessage(damage) });
  else if (!damage && !/^[A-Za-z0-9][A-Za-z0-9 _-]{4,62}[A-Za-z0-9]$/.test(value))
    context.addIssue({
      code: 'custom',
      params: { code: 'INVALID_FORMAT' },
      message:
        'Numéro unique du ménage : 6 à 64 caractères (lettres, chiffres, espaces, _ ou -, une lettre ou un chiffre au début et à la fin) ; le numéro unique SNE en compte 18.',
    });
});

/** Next to a numéro unique: the bailleur confirms a genuine number the spreadsheet rule would refuse. */
export const numeroUniqueConfirmeSchema = z.boolean().optional();

/**
 * An object holding `numeroUnique` and `numeroUniqueConfirme`: a numéro that looks damaged the way a
 * genuine one may be (18 digits of départements 971–976 ending in 000) is refused unless confirmed,
 * the refusal saying how to confirm. Checked even when other fields of the object are refused (one
 * message each), but for a refused date, which stops zod's checks of its object: then once the date is right.
 */
export function withConfirmableNumeroUnique<
  S extends z.ZodType<{ numeroUnique: string; numeroUniqueConfirme?: boolean | undefined }>,
>(schema: S): S {
  return schema.superRefine(
    (value, context) => {
      const damage = numeroUniqueDamage(value.numeroUnique, value.numeroUniqueConfirme === true);
      if (damage?.confirmable)
        context.addIssue({
          code: 'custom',
          path: ['numeroUnique'],
          params: { code: 'SPREADSHEET_DAMAGE' },
          message: damageMessage(damage),
        });
    },
    { when: (payload) => typeof (payload.value as { numeroUnique?: unknown } | null)?.numeroUnique === 'string' },
  ) as S;
}

/** Turns a numéro unique into the pseudonym recorded in events. */
export type Pseudonymise = (numeroUnique: string) => string;

/** A household's composition: persons aged 14 or more (at least one), children under 14. */
export const compositionSchema = z
  .object({
    personsAged14OrMore: count.min(1, 'Au moins une personne de 14 ans ou plus.'),
    childrenUnder14: count,
  })
  .strict();

/** Yearly resources of the household (€), null when unknown. */
export const yearlyResourcesSchema = z.number().min(0).max(10_000_000).nullable();

/** The household's flags (DALO, priority category, relogé RU / copro, mutation…); each defaults to false / null. */
export const flagsSchema = z
  .object({
    dalo: z.boolean().default(false),
    priorityCategory: freeText('Catégorie prioritaire', { max: 100 })
      // A word saying "none" would count the household as priority: no category is null.
      .refine((value) => !NEGATIVE_CATEGORY.test(value.trim()), {
        message: 'Catégorie prioritaire : pour un ménage sans catégorie, envoyez null (pas « non » ni « aucune »).',
        params: { code: 'INVALID_VALUE' },
      })
      .nullable()
      .default(null),
    relogeRenouvellementUrbain: z.boolean().default(false),
    relogeCoproDegradee: z.boolean().default(false),
    internalMutation: z.boolean().default(false),
    interBailleurMobility: z.boolean().default(false),
    publicAgent: z.boolean().default(false),
  })
  .strict()
  .default(NO_HOUSEHOLD_FLAGS);

/** Body of POST /v1/leases: a signed lease, as the bailleur's system reports it. */
export const recordSignedLeaseSchema = z
  .object({
    eventId: z.uuid('Identifiant d’événement attendu au format UUID.').optional(),
    leaseId: referenceId('Référence du bail'),
    caseId: referenceId('Référence du dossier'),
    bailleurId: organisationId('Identifiant du bailleur'),
    leaseDate: businessDateSchema.refine((value) => value >= '2000-01-01', 'Date de bail antérieure à 2000.'),
    flat: flatSchema,
    household: withConfirmableNumeroUnique(
      z
        .object({
          numeroUnique: numeroUniqueSchema,
          numeroUniqueConfirme: numeroUniqueConfirmeSchema,
          composition: compositionSchema,
          yearlyResources: yearlyResourcesSchema,
        })
        .strict(),
    ),
    flags: flagsSchema,
    reservataireId: organisationId('Identifiant du réservataire').nullable(),
    gestionMode: z.enum(GESTION_MODES),
    /**
     * The bailleur confirms this is another lease than the one already recorded with the same
     * household, flat and lease date under another reference (answered 409
     * LEASE_PROBABLE_DUPLICATE otherwise); recorded in the event (`confirmedDuplicateOf`).
     */
    confirmeDoublon: z.boolean().default(false),
  })
  .strict();

export type RecordSignedLeaseBody = z.output<typeof recordSignedLeaseSchema>;

/** The LeaseSigned fact of a request: the household number replaced by its pseudonym. */
export function toLeaseSignedData(body: RecordSignedLeaseBody, pseudonymise: Pseudonymise): LeaseSignedData {
  const { eventId: _eventId, confirmeDoublon: _confirm, household, ...data } = body;
  const { numeroUnique, numeroUniqueConfirme: _confirmed, ...rest } = household;
  return { ...data, household: { pseudonymousId: pseudonymise(numeroUnique), ...rest } };
}

/** A lease as a bailleur sends it (without its eventId): the example of the API's documentation. */
export const LEASE_EXAMPLE = {
  leaseId: 'BAIL-2026-0001',
  caseId: 'D-2026-0001',
  bailleurId: 'lmh',
  leaseDate: '2026-03-02',
  flat: {
    rplsId: '5935000001',
    communeInsee: '59350',
    epciSiren: '200093201',
    qpvCode: null,
    typology: 'T3',
    financing: 'PLUS',
  },
  household: {
    numeroUnique: '0591227000123',
    composition: { personsAged14OrMore: 1, childrenUnder14: 2 },
    yearlyResources: 9800,
  },
  flags: { dalo: true },
  reservataireId: 'action-logement',
  gestionMode: 'directe',
};
