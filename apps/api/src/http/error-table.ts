import type { DomainErrorCode } from '@vigie/domain';

/** The codes the API adds to the domain's: storage, access, HTTP. */
export type ApiErrorCode =
  /** An import row a previous send recorded, whose lease was cancelled since (an import undone). */
  | 'LEASE_CANCELLED_SINCE'
  | 'EPCI_UNKNOWN'
  | 'EPCI_NOT_FOUND'
  | 'DEPARTEMENT_NOT_FOUND'
  | 'BAILLEUR_NOT_FOUND'
  | 'RESERVATAIRE_NOT_FOUND'
  | 'DEPARTEMENT_UNKNOWN'
  | 'EVENT_ID_CONFLICT'
  | 'CONCURRENT_MODIFICATION'
  | 'UNAUTHENTICATED'
  | 'ROLE_FORBIDDEN'
  | 'CSRF_TOKEN_INVALID'
  | 'PERSON_NOT_FOUND'
  | 'PERSON_EMAIL_TAKEN'
  | 'TENANT_FORBIDDEN'
  | 'ACCESS_RULE_MISSING'
  | 'AGREEMENT_NOT_YOURS'
  | 'API_KEY_NOT_FOUND'
  | 'IMPORT_NOT_FOUND'
  | 'EVENT_NOT_FOUND'
  | 'VALIDATION_FAILED'
  | 'AS_OF_NOT_REACHED'
  | 'MALFORMED_JSON'
  | 'MALFORMED_URL'
  | 'MALFORMED_REQUEST'
  | 'URI_TOO_LONG'
  | 'HEADERS_TOO_LARGE'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'NOT_FOUND'
  | 'FLAT_NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'INTERNAL_ERROR'
  | 'SERVICE_UNAVAILABLE'
  | 'SERVER_BUSY'
  | 'DATABASE_UNAVAILABLE'
  | 'EVENT_LOG_COPY_BEHIND'
  | 'REQUEST_TIMEOUT'
  | 'REQUEST_DEADLINE_EXCEEDED'
  | 'VALUE_NOT_STORABLE';

/** Every code an answer of the API may carry. */
export type ErrorCode = DomainErrorCode | ApiErrorCode;

/**
 * One table from every error code to its HTTP status and French title, typed by the codes: a
 * code of the domain (or of the API) cannot exist without its line here, and there is no
 * fallback for an unknown one.
 */
export const ERROR_TABLE: Readonly<Record<ErrorCode, readonly [number, string]>> = {
  // Attribution (libs/domain)
  LEASE_ALREADY_SIGNED: [409, 'Un bail est déjà enregistré pour ce dossier.'],
  LEASE_PROBABLE_DUPLICATE: [
    409,
    'Ce bail semble déjà enregistré sous une autre référence (même ménage, même logement, même date de bail) : rien n’a été enregistré (voir detail).',
  ],
  LEASE_DATE_IN_FUTURE: [422, 'La date du bail est postérieure à la date du jour.'],
  COMMUNE_UNKNOWN: [422, 'Code commune INSEE inconnu du référentiel territorial.'],
  COMMUNE_NOT_IN_EPCI: [422, 'À la date du fait, la commune du logement n’appartient pas à l’EPCI indiqué.'],
  QPV_UNKNOWN: [
    422,
    'Ce code QPV n’est pas enregistré : les services de l’État du département l’enregistrent (PUT /v1/qpvs/{code}, voir register).',
  ],
  QPV_NOT_IN_FORCE: [422, 'Ce QPV n’était pas en vigueur à la date du bail (voir sa période de validité : validFrom, validTo).'],
  QPV_NOT_IN_COMMUNE: [422, 'Ce QPV ne se trouve pas dans la commune (ou l’arrondissement) du logement.'],
  LEASE_NOT_FOUND: [404, 'Aucun bail en cours ne porte cette référence dans ce dossier.'],
  LEASE_CANCELLED_SINCE: [
    409,
    'Bail déjà enregistré par un envoi précédent, puis annulé (import annulé ou bail annulé) : il ne compte pas, et le renvoyer ne le rétablit pas. Pour l’enregistrer de nouveau, envoyez-le avec un autre id_evenement (une nouvelle référence de bail si votre logiciel en donne une).',
  ],
  LEASE_CHANGED_SINCE: [
    409,
    'Le bail a changé depuis (corrigé, annulé ou signé de nouveau par un autre enregistrement) : il n’est pas rétabli.',
  ],
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
  COMMUNE_IN_ANOTHER_EPCI: [
    409,
    'Une commune de cette composition appartient déjà à un autre EPCI à cette date : une commune ne compte que pour un EPCI à la fois.',
  ],
  REFERENTIAL_CHANGE_CONTRADICTS_LEASES: [
    422,
    'Ce changement du référentiel contredit des baux déjà enregistrés : il ne peut pas modifier les chiffres d’une période passée.',
  ],
  EPCI_VALIDITY_INVALID: [422, 'La période de cette composition de l’EPCI se termine avant de commencer.'],
  EPCI_UNKNOWN: [404, 'EPCI inconnu du référentiel officiel : indiquez son nom et ses communes.'],
  // Known organisations (libs/domain)
  BAILLEUR_NOT_REGISTERED: [
    422,
    'Ce bailleur n’est pas enregistré : un administrateur l’enregistre (PUT /v1/bailleurs/{id}, voir register).',
  ],
  RESERVATAIRE_NOT_REGISTERED: [
    422,
    'Ce réservataire n’est pas enregistré : un administrateur l’enregistre (PUT /v1/reservataires/{id}, voir register).',
  ],
  EPCI_NOT_REGISTERED: [
    422,
    'Cet EPCI n’est ni enregistré ni dans le référentiel officiel : l’EPCI ou un administrateur l’enregistre avec ses communes (PUT /v1/epcis/{siren}, voir register).',
  ],
  DEPARTEMENT_UNKNOWN: [422, 'Ce code de département n’existe pas dans le référentiel officiel (ex. 59, 2A, 971).'],
  // Reads of an organisation Vigie does not know (apps/api/src/http/known-organisation.ts)
  EPCI_NOT_FOUND: [
    404,
    'Aucun EPCI de ce SIREN n’est connu de Vigie (ni dans le référentiel officiel, ni enregistré) : vérifiez le SIREN (voir detail).',
  ],
  DEPARTEMENT_NOT_FOUND: [
    404,
    'Aucun département de ce code dans le référentiel officiel : vérifiez le code (2 chiffres, 2A ou 2B en Corse, 3 chiffres outre-mer : ex. 59, 2A, 971).',
  ],
  BAILLEUR_NOT_FOUND: [404, 'Aucun bailleur enregistré ne porte cet identifiant : vérifiez-le (voir detail).'],
  RESERVATAIRE_NOT_FOUND: [404, 'Aucun réservataire enregistré ne porte cet identifiant : vérifiez-le (voir detail).'],
  // Storage
  EVENT_ID_CONFLICT: [409, 'Cet identifiant d’événement est déjà utilisé pour un autre contenu.'],
  CONCURRENT_MODIFICATION: [409, 'Le dossier a été modifié entre-temps ; relisez-le puis renvoyez la demande.'],
  DATABASE_UNAVAILABLE: [
    503,
    'La base de données est momentanément injoignable : renvoyez la même demande (même eventId) après le délai Retry-After.',
  ],
  EVENT_LOG_COPY_BEHIND: [
    503,
    'La copie du journal d’événements servant aux vérifications est en retard (projecteur arrêté ?) : rien n’a été enregistré ; renvoyez la même demande (même eventId) après le délai Retry-After.',
  ],
  VALUE_NOT_STORABLE: [
    400,
    'Une valeur de la demande ne peut pas être enregistrée (caractère nul ou isolé, date ou nombre hors limites).',
  ],
  // Access
  UNAUTHENTICATED: [
    401,
    'Clé d’API manquante, invalide ou révoquée (en-tête Authorization: Bearer <clé>), ou session expirée : reconnectez-vous sur /connexion.',
  ],
  ROLE_FORBIDDEN: [403, 'Votre rôle ne permet pas cette opération.'],
  CSRF_TOKEN_INVALID: [
    403,
    'Jeton anti-falsification (en-tête X-CSRF-Token) absent ou faux : rechargez la page et recommencez ; une requête d’une session doit porter le jeton que donne GET /v1/session.',
  ],
  PERSON_EMAIL_TAKEN: [
    409,
    'Une personne est déjà invitée à cette adresse : envoyez-lui un nouveau lien (POST /v1/admin/people/{id}/links, id dans details.personId).',
  ],
  PERSON_NOT_FOUND: [404, 'Aucune personne ne porte cet identifiant : voyez la liste GET /v1/admin/people.'],
  TENANT_FORBIDDEN: [
    403,
    'Vous ne pouvez enregistrer que des faits de votre propre organisme (voir actingFor : l’organisme de votre clé ; GET /v1/me).',
  ],
  ACCESS_RULE_MISSING: [403, 'Cette route n’a pas de règle d’accès : elle est fermée.'],
  API_KEY_NOT_FOUND: [404, 'Aucune clé d’API ne porte cet identifiant.'],
  IMPORT_NOT_FOUND: [404, 'Aucun import ne porte cet identifiant.'],
  EVENT_NOT_FOUND: [404, 'Aucun événement ne porte cet identifiant.'],
  // HTTP
  VALIDATION_FAILED: [400, 'La demande contient des données invalides.'],
  AS_OF_NOT_REACHED: [
    422,
    'asOf désigne un point que Vigie n’a pas encore atteint (position au-delà de la dernière enregistrée, ou instant futur) : des faits peuvent encore être enregistrés avant lui (voir detail).',
  ],
  MALFORMED_JSON: [400, 'Le corps de la demande n’est pas un JSON valide.'],
  PAYLOAD_TOO_LARGE: [413, 'Le corps de la demande est trop volumineux.'],
  MALFORMED_URL: [400, 'L’adresse de la demande est mal encodée (séquence « % » invalide).'],
  MALFORMED_REQUEST: [400, 'La demande HTTP est mal formée.'],
  URI_TOO_LONG: [414, 'L’adresse de la demande est trop longue (un identifiant dépasse 2 048 caractères).'],
  HEADERS_TOO_LARGE: [431, 'Les en-têtes de la demande sont trop nombreux ou trop volumineux.'],
  REQUEST_TIMEOUT: [408, 'Le corps de la demande n’est pas arrivé en entier dans le délai imparti.'],
  REQUEST_DEADLINE_EXCEEDED: [
    503,
    'La demande n’a pas pu être traitée dans le délai imparti : renvoyez-la (même eventId) après le délai Retry-After.',
  ],
  UNSUPPORTED_MEDIA_TYPE: [
    415,
    'Ce type de contenu n’est pas accepté ici (JSON pour les écritures, CSV ou NDJSON pour les imports).',
  ],
  NOT_FOUND: [404, 'Ressource introuvable.'],
  FLAT_NOT_FOUND: [
    404,
    'Aucun logement de ce bailleur ne porte cet identifiant RPLS (flat.rplsId) : un logement se simule une fois sa libération déclarée par son bailleur (POST /v1/flux/releases).',
  ],
  METHOD_NOT_ALLOWED: [405, 'Méthode non autorisée pour cette ressource.'],
  INTERNAL_ERROR: [500, 'Erreur interne ; elle a été journalisée.'],
  SERVICE_UNAVAILABLE: [503, 'Service momentanément indisponible.'],
  SERVER_BUSY: [
    503,
    'Le service reçoit plus de demandes qu’il ne peut en traiter : rien n’a été enregistré ; renvoyez la même demande (même eventId) après le délai Retry-After.',
  ],
};

export function errorEntry(code: ErrorCode): readonly [number, string] {
  return ERROR_TABLE[code];
}

/**
 * The French sentence that quotes the facts of a refusal, for the codes whose answer must name
 * them (in `detail` of the problem, in the message of an import's rejected row).
 */
/** The registered identifiers close to an unknown one, as the sentence after the title (an answer also lists them in `details.closest`). */
const closestSentence = (details: Readonly<Record<string, unknown>>) => {
  const closest = Array.isArray(details.closest) ? details.closest.map(String) : [];
  return closest.length ? `Proches : ${closest.map((id) => `« ${id} »`).join(', ')}.` : 'Aucun identifiant enregistré proche.';
};

const DETAILS: Partial<Record<ErrorCode, (details: Readonly<Record<string, unknown>>) => string>> = {
  EPCI_NOT_FOUND: (details) =>
    `SIREN « ${String(details.epciSiren)} » inconnu. ${closestSentence(details)} Le SIREN d’un EPCI (9 chiffres) figure dans la base officielle BANATIC ; un EPCI hors de ce référentiel s’enregistre (PUT /v1/epcis/{siren}).`,
  DEPARTEMENT_NOT_FOUND: (details) =>
    `Département « ${String(details.departement)} » inconnu du référentiel officiel (découpage administratif de l’Insee). La liste des EPCI d’un département : GET /v1/departements/{code}/epcis.`,
  BAILLEUR_NOT_FOUND: (details) =>
    `Bailleur « ${String(details.bailleurId)} » inconnu. ${closestSentence(details)} La liste des bailleurs enregistrés : GET /v1/bailleurs.`,
  RESERVATAIRE_NOT_FOUND: (details) =>
    `Réservataire « ${String(details.reservataireId)} » inconnu. ${closestSentence(details)} La liste des réservataires enregistrés : GET /v1/reservataires.`,
  BAILLEUR_NOT_REGISTERED: closestSentence,
  RESERVATAIRE_NOT_REGISTERED: closestSentence,
  EPCI_NOT_REGISTERED: closestSentence,
  QPV_UNKNOWN: closestSentence,
  COMMUNE_IN_ANOTHER_EPCI: (details) =>
    `La commune ${String(details.commune)} appartient à l’EPCI ${String(details.otherEpciSiren)}` +
    (details.on ? ` le ${String(details.on)}` : '') +
    `. Enregistrez d’abord la composition de l’EPCI ${String(details.otherEpciSiren)} sans cette commune, à partir du jour où elle le quitte ` +
    '(PUT /v1/epcis/{siren} avec communes et validFrom), puis celle-ci avec le même validFrom.',
  LEASE_PROBABLE_DUPLICATE: (details) =>
    `Bail déjà enregistré : ${String(details.existingLeaseId)} (dossier ${String(details.existingCaseId)}). ` +
    'S’il s’agit bien d’un autre bail, renvoyez-le avec "confirmeDoublon": true (en import CSV : colonne confirme_doublon = oui) ; ' +
    'sinon ne le renvoyez pas, ou annulez celui qui est en trop.',
};

/** The sentence quoting a refusal's facts, when its code has one. */
export function errorDetail(code: ErrorCode, details: Readonly<Record<string, unknown>> | undefined): string | undefined {
  const render = DETAILS[code];
  return render && details ? render(details) : undefined;
}

/** Whether a code read at run time (a domain error's) is in the table. */
export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_TABLE, code);
}
