import { html, type Html } from './layout.js';

export type PersonaView = 'epci' | 'bailleur' | 'reservataire' | 'etat';
/** Pages that are not a persona's home. */
export type OtherView = 'admin' | 'rapport';

/** The period form: the year, what Vigie knew on a day (asOf), and the leases signed until a day. */
const periodForm = html` <form id="periode" class="fr-grid-row fr-grid-row--gutters fr-grid-row--bottom fr-mb-2w">
    <div class="fr-col-12 fr-col-md-2 fr-input-group">
      <label class="fr-label" for="annee">Année</label>
      <input class="fr-input" type="number" id="annee" name="annee" min="2000" max="2100" required />
    </div>
    <div class="fr-col-12 fr-col-md-4 fr-input-group">
      <label class="fr-label" for="asOf"
        >Tel que connu le <span class="fr-hint-text">facultatif : les chiffres tels que Vigie les connaissait alors</span></label
      >
      <input class="fr-input" type="datetime-local" id="asOf" name="asOf" />
    </div>
    <div class="fr-col-12 fr-col-md-4 fr-input-group">
      <label class="fr-label" for="signedUntil"
        >Baux signés jusqu’au <span class="fr-hint-text">facultatif : la situation à cette date</span></label
      >
      <input class="fr-input" type="date" id="signedUntil" name="signedUntil" />
    </div>
    <div class="fr-col-12 fr-col-md-2"><button class="fr-btn" type="submit">Afficher</button></div>
  </form>
  <p id="fraicheur" class="fr-text--sm" aria-live="polite"></p>`;

const objectives = html` <h2>Objectifs de la CIA</h2>
  <div id="objectifs" class="fr-grid-row fr-grid-row--gutters" aria-live="polite"></div>`;

const alerts = html` <h2>Alertes</h2>
  <div id="alertes" aria-live="polite"></div>`;

const errors = html`<div id="erreur" role="alert"></div>`;

/** The CAL's what-if panel and the forecast band (public/simulation.js fills them). */
const simulation = html`<section id="simulation" class="fr-mt-4w"></section>
  <script type="module" src="/web/simulation.js"></script>`;

export const PAGE_BODIES: Record<PersonaView | OtherView, Html> = {
  epci: html`${errors}${periodForm}
    <p>
      <a class="fr-link fr-icon-printer-line fr-link--icon-left" id="lien-rapport" href="#">Rapport annuel imprimable (PDF)</a>
    </p>
    ${objectives}
    <h2>Trajectoire mensuelle</h2>
    <div class="fr-select-group">
      <label class="fr-label" for="objectif-trajectoire">Objectif</label>
      <select class="fr-select" id="objectif-trajectoire"></select>
    </div>
    <div class="vigie-chart">
      <canvas
        id="trajectoire"
        role="img"
        aria-label="Taux cumulé mois par mois et cible : voir le tableau des données ci-dessous"
      ></canvas>
    </div>
    <details class="fr-mt-2w">
      <summary>Voir les données en tableau</summary>
      <div id="trajectoire-tableau"></div>
    </details>
    ${alerts}
    <h2>Répartition</h2>
    <div class="fr-grid-row fr-grid-row--gutters">
      <div class="fr-col-12 fr-col-md-6 fr-select-group">
        <label class="fr-label" for="repartition-par">Par</label>
        <select class="fr-select" id="repartition-par">
          <option value="bailleur">Bailleur</option>
          <option value="reservataire">Réservataire</option>
          <option value="secteur">Secteur</option>
          <option value="commune">Commune</option>
        </select>
      </div>
      <div class="fr-col-12 fr-col-md-6 fr-select-group">
        <label class="fr-label" for="repartition-objectif">Objectif</label>
        <select class="fr-select" id="repartition-objectif"></select>
      </div>
    </div>
    <div id="repartition"></div>
    <h2>Baux</h2>
    <div class="fr-grid-row fr-grid-row--gutters fr-grid-row--bottom">
      <div class="fr-col-12 fr-col-md-6 fr-select-group">
        <label class="fr-label" for="filtre-baux">Afficher</label>
        <select class="fr-select" id="filtre-baux">
          <option value="">Tous les baux</option>
          <option value="unknown_q1">Q1 inconnu (ressources manquantes)</option>
          <option value="no_cal_decision">Sans décision de CAL</option>
          <option value="probable_duplicate">Doublons probables</option>
          <option value="flat_leased_twice">Logement loué deux fois en 30 jours</option>
          <option value="flagged">Tous les signalements (doublons, logement loué deux fois)</option>
        </select>
      </div>
      <div class="fr-col-12 fr-col-md-6">
        <ul class="fr-btns-group fr-btns-group--inline-md">
          <li>
            <a class="fr-btn fr-btn--secondary fr-icon-download-line fr-btn--icon-left" id="export-baux" href="#" download
              >Exporter en CSV</a
            >
          </li>
          <li>
            <a class="fr-btn fr-btn--secondary fr-icon-download-line fr-btn--icon-left" id="export-baux-xlsx" href="#" download
              >Exporter en XLSX</a
            >
          </li>
        </ul>
      </div>
    </div>
    <div id="baux"></div>
    ${simulation}`,
  bailleur: html`${errors}${periodForm}
    <h2>Position par objectif</h2>
    <div class="fr-select-group">
      <label class="fr-label" for="epci-bailleur">EPCI</label
      ><input class="fr-input" id="epci-bailleur" inputmode="numeric" placeholder="SIREN à 9 chiffres" />
    </div>
    <div id="objectifs" class="fr-grid-row fr-grid-row--gutters" aria-live="polite"></div>
    <h2>Conventions de réservation</h2>
    <div id="conventions"></div>
    ${alerts}
    <h2>Importer un fichier de baux</h2>
    <form id="import" class="fr-mb-4w">
      <div class="fr-upload-group">
        <label class="fr-label" for="fichier"
          >Fichier CSV ou XLSX<span class="fr-hint-text">Colonnes et format : voir la documentation d’import.</span></label
        >
        <input class="fr-upload" type="file" id="fichier" name="fichier" accept=".csv,.xlsx,text/csv" />
      </div>
      <div id="apercu" class="fr-mt-2w"></div>
      <button class="fr-btn fr-mt-2w" type="submit">Importer</button>
      <div class="fr-mt-2w">
        <label class="fr-label" for="progression">Progression</label><progress id="progression" max="100" value="0"></progress>
        <span id="progression-texte"></span>
      </div>
      <div id="rapport" aria-live="polite"></div>
    </form>
    ${simulation}`,
  reservataire: html`${errors}${periodForm}
    <h2>Conventions</h2>
    <div id="conventions"></div>
    <h2>Réalisé et dû par année</h2>
    <div id="par-annee"></div>
    <h2>Registre d’audit</h2>
    <ul class="fr-btns-group fr-btns-group--inline-md">
      <li>
        <a class="fr-btn fr-btn--secondary fr-icon-download-line fr-btn--icon-left" id="export-registre" href="#" download
          >Exporter le registre en CSV</a
        >
      </li>
      <li>
        <a class="fr-btn fr-btn--secondary fr-icon-download-line fr-btn--icon-left" id="export-registre-xlsx" href="#" download
          >Exporter le registre en XLSX</a
        >
      </li>
    </ul>
    <div id="registre"></div>
    ${alerts}`,
  etat: html`${errors}${periodForm}
    <h2>Les EPCI côte à côte</h2>
    <div id="epcis"></div>
    <h2>Contingent préfectoral</h2>
    <p class="fr-text--sm">
      Part des logements libérés (assiette nette) orientés vers l’État et des baux signés sur son contingent : 30 % au plus, dont
      5 % au plus pour les agents publics.
    </p>
    <div id="contingent"></div>
    ${alerts}`,
  rapport: html`${errors}
    <form id="periode" class="fr-grid-row fr-grid-row--gutters fr-grid-row--bottom fr-mb-2w vigie-no-print">
      <div class="fr-col-12 fr-col-md-3 fr-input-group">
        <label class="fr-label" for="annee">Année</label>
        <input class="fr-input" type="number" id="annee" name="annee" min="2000" max="2100" required />
      </div>
      <input type="hidden" id="asOf" /><input type="hidden" id="signedUntil" />
      <div class="fr-col-12 fr-col-md-9">
        <ul class="fr-btns-group fr-btns-group--inline-md">
          <li><button class="fr-btn" type="submit">Afficher</button></li>
          <li>
            <button class="fr-btn fr-btn--secondary fr-icon-printer-line fr-btn--icon-left" type="button" id="imprimer">
              Imprimer ou enregistrer en PDF
            </button>
          </li>
        </ul>
      </div>
    </form>
    <p id="fraicheur" class="fr-text--sm"></p>
    <section id="rapport-objectifs"></section>
    <section id="rapport-trajectoires"></section>
    <section id="rapport-repartitions"></section>
    <section id="rapport-qualite"></section>`,
  admin: html`${errors}
    <h2>Inviter une personne</h2>
    <form id="invitation" class="fr-mb-4w">
      <div class="fr-grid-row fr-grid-row--gutters">
        <div class="fr-col-12 fr-col-md-3 fr-input-group">
          <label class="fr-label" for="inv-nom">Nom</label><input class="fr-input" id="inv-nom" required />
        </div>
        <div class="fr-col-12 fr-col-md-3 fr-input-group">
          <label class="fr-label" for="inv-email">Adresse électronique</label
          ><input class="fr-input" type="email" id="inv-email" />
        </div>
        <div class="fr-col-12 fr-col-md-3 fr-select-group">
          <label class="fr-label" for="inv-role">Rôle</label>
          <select class="fr-select" id="inv-role">
            <option value="epci">EPCI</option>
            <option value="bailleur">Bailleur</option>
            <option value="reservataire">Réservataire</option>
            <option value="etat">État (département)</option>
            <option value="admin">Administrateur</option>
          </select>
        </div>
        <div class="fr-col-12 fr-col-md-3 fr-input-group">
          <label class="fr-label" for="inv-organisme"
            >Organisme<span class="fr-hint-text">SIREN, identifiant ou département</span></label
          ><input class="fr-input" id="inv-organisme" />
        </div>
      </div>
      <button class="fr-btn" type="submit">Inviter</button>
      <div id="invitation-resultat" aria-live="polite"></div>
    </form>
    <h2>Personnes</h2>
    <div id="personnes"></div>
    <h2>Clés d’API</h2>
    <form id="nouvelle-cle" class="fr-mb-2w">
      <div class="fr-grid-row fr-grid-row--gutters">
        <div class="fr-col-12 fr-col-md-4 fr-input-group">
          <label class="fr-label" for="cle-libelle">Libellé<span class="fr-hint-text">qui détient la clé</span></label
          ><input class="fr-input" id="cle-libelle" required />
        </div>
        <div class="fr-col-12 fr-col-md-4 fr-select-group">
          <label class="fr-label" for="cle-role">Rôle</label>
          <select class="fr-select" id="cle-role">
            <option value="bailleur">Bailleur</option>
            <option value="epci">EPCI</option>
            <option value="reservataire">Réservataire</option>
            <option value="etat">État (département)</option>
            <option value="admin">Administrateur</option>
          </select>
        </div>
        <div class="fr-col-12 fr-col-md-4 fr-input-group">
          <label class="fr-label" for="cle-organisme"
            >Organisme<span class="fr-hint-text">SIREN, identifiant ou département</span></label
          ><input class="fr-input" id="cle-organisme" />
        </div>
      </div>
      <button class="fr-btn" type="submit">Créer la clé</button>
      <div id="cle-resultat" aria-live="polite"></div>
    </form>
    <div id="cles"></div>
    <h2>Organismes</h2>
    <form id="nouvel-organisme" class="fr-mb-2w">
      <div class="fr-grid-row fr-grid-row--gutters">
        <div class="fr-col-12 fr-col-md-3 fr-select-group">
          <label class="fr-label" for="org-type">Type</label>
          <select class="fr-select" id="org-type">
            <option value="bailleur">Bailleur</option>
            <option value="etat">Réservataire : État (contingent préfectoral)</option>
            <option value="collectivite">Réservataire : collectivité</option>
            <option value="action_logement">Réservataire : Action Logement</option>
            <option value="autre">Réservataire : autre</option>
          </select>
        </div>
        <div class="fr-col-12 fr-col-md-3 fr-input-group">
          <label class="fr-label" for="org-id">Identifiant<span class="fr-hint-text">minuscules, chiffres, tirets</span></label
          ><input class="fr-input" id="org-id" required />
        </div>
        <div class="fr-col-12 fr-col-md-3 fr-input-group">
          <label class="fr-label" for="org-nom">Nom</label><input class="fr-input" id="org-nom" required />
        </div>
        <div class="fr-col-12 fr-col-md-3 fr-input-group">
          <label class="fr-label" for="org-siren">SIREN<span class="fr-hint-text">bailleur, facultatif</span></label
          ><input class="fr-input" id="org-siren" inputmode="numeric" />
        </div>
      </div>
      <button class="fr-btn" type="submit">Enregistrer l’organisme</button>
      <div id="organisme-resultat" aria-live="polite"></div>
    </form>
    <div id="organismes"></div>`,
};
