import { z } from 'zod';
import { businessDateSchema } from '../../http/dates.js';
import { GESTION_MODES } from '@vigie/domain';
import { organisationId } from '../../http/identifiers.js';
import {
  compositionSchema,
  flagsSchema,
  flatSchema,
  yearlyResourcesSchema,
} from '../../attribution/record-signed-lease/record-signed-lease.schema.js';

/** Most candidates a CAL examines for one flat in one simulation. */
export const MAX_CANDIDATES = 10;

/**
 * One household a CAL considers for the flat: what the rules read of it, and the réservataire whose
 * flux the flat would be attributed on. No numéro unique: a simulation records nothing and needs no
 * identity (the schema refuses any field it does not list).
 */
const candidateSchema = z
  .object({
    rank: z
      .number('Rang du candidat : un entier de 1 à 10.')
      .int('Rang du candidat : un entier de 1 à 10.')
      .min(1, 'Rang du candidat : un entier de 1 à 10.')
      .max(MAX_CANDIDATES, 'Rang du candidat : un entier de 1 à 10.'),
    composition: compositionSchema,
    yearlyResources: yearlyResourcesSchema,
    flags: flagsSchema,
    reservataireId: organisationId('Identifiant du réservataire').nullable(),
    gestionMode: z.enum(GESTION_MODES).default('directe'),
  })
  .strict();

/** Body of POST /v1/epcis/{siren}/compliance/simulations: a flat and up to ten candidate households. */
export const simulateAttributionSchema = z
  .object({
    bailleurId: organisationId('Identifiant du bailleur'),
    /** The day the lease would be signed (default: today, Europe/Paris). */
    leaseDate: businessDateSchema.refine((value) => value >= '2000-01-01', 'Date de bail antérieure à 2000.').optional(),
    flat: flatSchema,
    candidates: z
      .array(candidateSchema)
      .min(1, 'candidates : au moins un ménage candidat.')
      .max(MAX_CANDIDATES, `candidates : au plus ${MAX_CANDIDATES} ménages candidats par simulation.`)
      .refine(
        (candidates) => new Set(candidates.map((c) => c.rank)).size === candidates.length,
        'candidates : chaque candidat a son propre rang (rank), de 1 à 10.',
      ),
  })
  .strict();

export type SimulateAttributionBody = z.output<typeof simulateAttributionSchema>;

export const SIMULATION_EXAMPLE = {
  bailleurId: 'lmh',
  leaseDate: '2026-03-02',
  flat: { rplsId: '5935000001', communeInsee: '59350', epciSiren: '200093201', qpvCode: null, typology: 'T3', financing: 'PLUS' },
  candidates: [
    {
      rank: 1,
      composition: { personsAged14OrMore: 1, childrenUnder14: 2 },
      yearlyResources: 9800,
      flags: { dalo: true },
      reservataireId: 'action-logement',
    },
    { rank: 2, composition: { personsAged14OrMore: 2, childrenUnder14: 0 }, yearlyResources: 31000, reservataireId: null },
  ],
};
