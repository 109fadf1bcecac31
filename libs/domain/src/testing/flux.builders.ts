import { type ConventionTerms, NO_COUNTING_OPTIONS } from '../flux/reservation.js';

/** A reservation convention: Action Logement on a quarter of a bailleur's flux in the Nord, 2025–2027. */
export function conventionTerms(overrides: Partial<ConventionTerms> = {}): ConventionTerms {
  return {
    conventionId: 'ALS-LMH-59',
    bailleurId: 'lille-metropole-habitat',
    reservataireId: 'action-logement',
    departement: '59',
    period: { startYear: 2025, endYear: 2027 },
    fluxShare: 0.25,
    annualVolume: null,
    gestionMode: 'directe',
    countingOptions: NO_COUNTING_OPTIONS,
    signedOn: '2024-12-01',
    ...overrides,
  };
}
