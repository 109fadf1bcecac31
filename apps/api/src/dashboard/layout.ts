/** Escapes text for HTML content and double-quoted attributes: every value a page shows goes through it. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(
    /[&<>"']/g,
    (character) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[character]!,
  );
}

/** HTML built from a template: interpolated values are escaped unless they are already `Html`. */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let text = strings[0]!;
  values.forEach((value, index) => {
    const parts = Array.isArray(value) ? value : [value];
    text += parts
      .map((part) => (part instanceof Html ? part.text : part === null || part === undefined ? '' : escapeHtml(part)))
      .join('');
    text += strings[index + 1]!;
  });
  return new Html(text);
}

export interface PageOptions {
  readonly title: string;
  /** Which client view fills the page (`epci`, `bailleur`, …), with the organisation it is about. */
  readonly view?: { readonly name: string; readonly id: string };
  readonly signedIn: boolean;
  readonly body: Html;
}

/**
 * A page of the web application with the State's design system (DSFR, served locally): header
 * with the Marianne block and the service name, a skip link, the main content, a footer. The
 * client script (`/web/app.js`) fills the view named by `data-view` from the JSON API.
 */
export function page({ title, view, signedIn, body }: PageOptions): string {
  return html`<!doctype html>
    <html lang="fr" data-fr-scheme="light">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1, shrink-to-fit=no" />
        <title>${title} — Vigie</title>
        <link rel="icon" href="/dsfr/favicon/favicon.svg" type="image/svg+xml" />
        <link rel="shortcut icon" href="/dsfr/favicon/favicon.ico" type="image/x-icon" />
        <link rel="stylesheet" href="/dsfr/dsfr.min.css" />
        <link rel="stylesheet" href="/dsfr/utility/icons/icons.min.css" />
        <link rel="stylesheet" href="/web/app.css" />
      </head>
      <body>
        <div class="fr-skiplinks">
          <nav class="fr-container" role="navigation" aria-label="Accès rapide">
            <ul class="fr-skiplinks__list">
              <li><a class="fr-link" href="#contenu">Contenu</a></li>
            </ul>
          </nav>
        </div>
        <header role="banner" class="fr-header">
          <div class="fr-header__body">
            <div class="fr-container">
              <div class="fr-header__body-row">
                <div class="fr-header__brand fr-enlarge-link">
                  <div class="fr-header__brand-top">
                    <div class="fr-header__logo">
                      <p class="fr-logo">République<br />Française</p>
                    </div>
                    <div class="fr-header__navbar">
                      <button
                        type="button"
                        class="fr-btn--menu fr-btn"
                        data-fr-opened="false"
                        aria-controls="menu-mobile"
                        aria-haspopup="menu"
                        id="bouton-menu"
                        title="Menu"
                      >
                        Menu
                      </button>
                    </div>
                  </div>
                  <div class="fr-header__service">
                    <a href="/" title="Accueil — Vigie"><p class="fr-header__service-title">Vigie</p></a>
                    <p class="fr-header__service-tagline">Suivi des attributions de logements sociaux</p>
                  </div>
                </div>
                <div class="fr-header__tools">
                  <div class="fr-header__tools-links">
                    <ul class="fr-btns-group">
                      ${
                        signedIn
                          ? html`<li><span class="fr-btn fr-icon-account-circle-line" id="qui"></span></li>
                              <li>
                                <button type="button" class="fr-btn fr-icon-logout-box-r-line" id="deconnexion">
                                  Se déconnecter
                                </button>
                              </li>`
                          : html`<li><a class="fr-btn fr-icon-lock-line" href="/connexion">Se connecter</a></li>`
                      }
                    </ul>
                  </div>
                </div>
              </div>
            </div>
          </div>
          <!-- The DSFR's header copies the tools links here for small screens (its script needs this block). -->
          <div class="fr-header__menu fr-modal" id="menu-mobile" aria-labelledby="bouton-menu">
            <div class="fr-container">
              <button type="button" class="fr-btn--close fr-btn" aria-controls="menu-mobile" title="Fermer">Fermer</button>
              <div class="fr-header__menu-links"></div>
            </div>
          </div>
        </header>
        <main
          role="main"
          id="contenu"
          class="fr-container fr-py-4w"
          ${view ? html`data-view="${view.name}" data-id="${view.id}"` : ''}
        >
          <h1>${title}</h1>
          ${body}
        </main>
        <footer class="fr-footer" role="contentinfo">
          <div class="fr-container">
            <div class="fr-footer__body">
              <div class="fr-footer__brand">
                <p class="fr-logo">République<br />Française</p>
              </div>
              <div class="fr-footer__content">
                <p class="fr-footer__content-desc">
                  Vigie : conformité des attributions aux objectifs de la convention intercommunale d’attribution (CIA) et gestion
                  en flux.
                </p>
              </div>
            </div>
          </div>
        </footer>
        <script src="/vendor/chart.js/chart.umd.min.js"></script>
        <script type="module" src="/dsfr/dsfr.module.min.js"></script>
        <script type="module" src="/web/app.js"></script>
      </body>
    </html>`.text;
}
