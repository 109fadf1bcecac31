/**
 * One table from every known error code to its HTTP status and French title.
 * Domain codes come from libs/domain; storage and HTTP codes are added here.
 */
export const ERROR_TABLE: Readonly<Record<string, readonly [number, string]>> = {
  // Attribution (libs/domain)
  LEASE_ALREADY_SIGNED: [409, 'Un bail est déjà enregistré pour ce dossier.'],
  LEASE_DATE_IN_FUTURE: [422, 'La date du bail est postérieure à la date du jour.'],
  // Storage
  EVENT_ID_CONFLICT: [409, 'Cet identifiant d’événement est déjà utilisé pour un autre contenu.'],
  CONCURRENT_MODIFICATION: [409, 'Le dossier a été modifié entre-temps ; relisez-le puis renvoyez la demande.'],
  // HTTP
  VALIDATION_FAILED: [400, 'La demande contient des données invalides.'],
  MALFORMED_JSON: [400, 'Le corps de la demande n’est pas un JSON valide.'],
  PAYLOAD_TOO_LARGE: [413, 'Le corps de la demande est trop volumineux.'],
  UNSUPPORTED_MEDIA_TYPE: [415, 'Le corps de la demande doit être envoyé en application/json.'],
  NOT_FOUND: [404, 'Ressource introuvable.'],
  METHOD_NOT_ALLOWED: [405, 'Méthode non autorisée pour cette ressource.'],
  INTERNAL_ERROR: [500, 'Erreur interne ; elle a été journalisée.'],
  SERVICE_UNAVAILABLE: [503, 'Service momentanément indisponible.'],
};

export function errorEntry(code: string): readonly [number, string] {
  return ERROR_TABLE[code] ?? [422, 'La demande ne respecte pas une règle métier.'];
}
