/** The kind of a figure's or an alert's scope, in French, as exports and pages show it. */
export const SCOPE_KIND_LABELS = {
  epci: 'EPCI',
  bailleur: 'Bailleur',
  reservataire: 'Réservataire',
  secteur: 'Secteur',
  commune: 'Commune',
  bailleur_reservataire: 'Bailleur × réservataire',
  convention: 'Convention',
} as const;
