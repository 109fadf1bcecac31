/**
 * One table from every known error code to its HTTP status and French title.
 * Domain codes come from libs/domain; storage and HTTP codes are added here.
 */
export const ERROR_TABLE: Readonly<Record<string, readonly [number, string]>> = {
  // Attribution (libs/domain)
  LEASE_ALREADY_SIGNED: [409, 'Un bail est déjà enregistré pour ce dossier.'],
  LEASE_DATE_IN_FUTURE: [422, 'La date du bail est postérieure à la date du jour.'],
  COMMUNE_UNKNOWN: [422, 'Code commune INSEE inconnu du référentiel territorial.'],
  COMMUNE_NOT_IN_EPCI: [422, 'La commune du logement n’appartient pas à l’EPCI indiqué.'],
  QPV_UNKNOWN: [422, 'Ce code QPV n’est pas enregistré dans le référentiel.'],
  QPV_NOT_IN_FORCE: [
    422,
    'Ce QPV n’était pas en vigueur à la date du bail (liste 2015 jusqu’au 31/12/2023, liste 2024 ensuite).',
  ],
  LEASE_NOT_FOUND: [404, 'Aucun bail en cours ne porte cette référence dans ce dossier.'],
  LEASE_CORRECTION_EMPTY: [422, 'La correction ne change rien au bail enregistré.'],
  LEASE_AFTER_DECLINED_OFFER: [409, 'Ce ménage a refusé l’offre sur ce dossier : il ne peut pas y signer de bail.'],
  OFFER_NOT_FOUND: [404, 'Aucune décision de CAL n’a attribué ce logement à ce ménage dans ce dossier.'],
  CASE_ALREADY_LEASED: [409, 'Le logement de ce dossier est déjà loué.'],
  CAL_DATE_IN_FUTURE: [422, 'La date de CAL est postérieure à la date du jour.'],
  CAL_CANDIDATES_INVALID: [422, 'Deux candidats portent le même rang ou le même ménage.'],
  CASE_MISMATCH: [409, 'Ce flux d’événements appartient à un autre dossier : rien n’a été enregistré.'],
  // CIA and thresholds (libs/domain)
  CIA_ALREADY_ADOPTED: [409, 'Une CIA est déjà adoptée pour cet EPCI : enregistrez un avenant.'],
  CIA_NOT_ADOPTED: [409, 'Aucune CIA adoptée pour cet EPCI : adoptez-la avant de la modifier.'],
  CIA_TARGET_OUT_OF_RANGE: [422, 'Une cible doit être une part comprise entre 0 et 1.'],
  CIA_PERIOD_INVALID: [422, 'La période de la CIA se termine avant de commencer.'],
  CIA_SECTOR_UNKNOWN: [422, 'Un objectif territorialisé cite un secteur que la CIA ne définit pas.'],
  THRESHOLD_UNCHANGED: [409, 'Ce seuil est déjà publié avec ce montant pour cette année.'],
  // Flux (libs/domain)
  CONVENTION_ALREADY_SIGNED: [409, 'Cette convention de réservation est déjà enregistrée : enregistrez une révision.'],
  CONVENTION_NOT_FOUND: [404, 'Aucune convention ne porte cet identifiant.'],
  CONVENTION_TERMS_INVALID: [
    422,
    'Une convention fixe soit une part du flux (entre 0 et 100 %), soit un volume annuel, sur une période valide.',
  ],
  EXCLUSION_REASON_REQUIRED: [422, 'Un logement hors assiette nette doit porter le motif d’exclusion, et lui seul.'],
  FLAT_ALREADY_RELEASED: [409, 'Ce logement est déjà déclaré libéré à cette date.'],
  FLAT_NOT_RELEASED: [422, 'Ce logement n’a pas été déclaré libéré.'],
  FLAT_OUTSIDE_NET_BASE: [422, 'Ce logement est hors de l’assiette nette : il ne peut pas être orienté.'],
  FLAT_ALREADY_ORIENTED: [409, 'Ce logement est déjà orienté vers un réservataire.'],
  FLAT_NOT_ORIENTED: [422, 'Ce logement n’est pas orienté vers cette convention.'],
  FLUX_FACT_OUT_OF_ORDER: [422, 'Ce fait précède la libération (ou l’orientation) du logement qu’il concerne.'],
  FLAT_OUTSIDE_PERIMETER: [422, 'Ce logement est hors du périmètre de la convention (communes ou EPCI qu’elle couvre).'],
  CONVENTION_REVISION_NOT_FOUND: [404, 'Aucune révision de cette convention ne commence cette année-là.'],
  CONVENTION_ALREADY_AGREED: [409, 'Cette partie a déjà donné son accord.'],
  STOCK_CONVERSION_ALREADY_RECORDED: [
    409,
    'Une conversion stock → flux est déjà enregistrée pour cette convention à partir de cette année.',
  ],
  VALIDATION_ALREADY_RECORDED: [409, 'Ce bail a déjà été validé a posteriori pour cette convention.'],
  AGREEMENT_NOT_YOURS: [403, 'Vous ne pouvez donner que l’accord de votre propre organisme.'],
  BILAN_ALREADY_CLOSED: [409, 'Le bilan de cette année est déjà clôturé.'],
  BILAN_YEAR_NOT_OVER: [422, 'Le bilan d’une année ne peut être clôturé qu’après la fin de cette année.'],
  STOCK_CONVERSION_INVALID: [422, 'Les données de la conversion stock → flux sont incohérentes.'],
  // Referential (libs/domain, apps/api)
  QPV_VALIDITY_INVALID: [422, 'La période de validité du QPV se termine avant de commencer.'],
  EPCI_UNKNOWN: [404, 'EPCI inconnu du référentiel officiel : indiquez son nom et ses communes.'],
  // Storage
  EVENT_ID_CONFLICT: [409, 'Cet identifiant d’événement est déjà utilisé pour un autre contenu.'],
  CONCURRENT_MODIFICATION: [409, 'Le dossier a été modifié entre-temps ; relisez-le puis renvoyez la demande.'],
  // Access
  UNAUTHENTICATED: [401, 'Clé d’API manquante, invalide ou révoquée (en-tête Authorization: Bearer <clé>).'],
  ROLE_FORBIDDEN: [403, 'Votre rôle ne permet pas cette opération.'],
  TENANT_FORBIDDEN: [403, 'Vous ne pouvez enregistrer que des faits de votre propre organisme.'],
  ACCESS_RULE_MISSING: [403, 'Cette route n’a pas de règle d’accès : elle est fermée.'],
  API_KEY_NOT_FOUND: [404, 'Aucune clé d’API ne porte cet identifiant.'],
  IMPORT_NOT_FOUND: [404, 'Aucun import ne porte cet identifiant.'],
  EVENT_NOT_FOUND: [404, 'Aucun événement ne porte cet identifiant.'],
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
