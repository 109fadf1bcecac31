import { Controller, Get, Param, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from '@vigie/access';
import { Public } from '../access/access.decorators.js';
import { OidcService } from '../access/sessions/oidc.service.js';
import { SessionAuthenticator } from '../access/sessions/session-authenticator.js';
import { Contract } from '../http/contract.js';
import { KnownOrganisationsService } from '../referential/known-organisations.service.js';
import { html, type Html, page } from './layout.js';
import { type OtherView, PAGE_BODIES, type PersonaView } from './page-bodies.js';

/** Each person's home: the page of its own organisation. */
export function homeOf(principal: Principal): string {
  if (principal.role === 'admin') return '/admin';
  const view: Record<Exclude<Principal['role'], 'admin'>, PersonaView> = {
    epci: 'epci',
    bailleur: 'bailleur',
    reservataire: 'reservataire',
    etat: 'etat',
  };
  return `/${view[principal.role]}/${encodeURIComponent(principal.tenant ?? '')}`;
}

/**
 * Whether a person may open a page: an organisation's own page (bailleur, réservataire, État,
 * EPCI) is its own; an EPCI's page and report are also open to the bailleurs, réservataires and
 * État services, whose figures the API masks or filters by the same rules; an admin opens every page.
 */
export function mayOpen(principal: Principal, view: PersonaView | OtherView, id: string): boolean {
  if (principal.role === 'admin') return true;
  if (view === 'admin') return false;
  if (view === 'epci' || view === 'rapport') return principal.role !== 'epci' || principal.tenant === id;
  return principal.role === view && principal.tenant === id;
}

const SIGN_IN_ERRORS: Record<string, string> = {
  lien: 'Ce lien de connexion est inconnu, déjà utilisé ou expiré : demandez-en un nouveau à votre administrateur. Premier administrateur de Vigie : utilisez le dernier lien affiché au démarrage du service (chaque démarrage en donne un nouveau et retire les précédents).',
  compte:
    'Votre identité a bien été vérifiée, mais aucun compte Vigie n’est ouvert à cette adresse : demandez une invitation à votre administrateur.',
  oidc: 'La connexion par le fournisseur d’identité n’a pas abouti : réessayez, ou utilisez un lien de connexion.',
  session: 'Votre session a expiré : reconnectez-vous.',
};

const TITLES: Record<PersonaView | OtherView, string> = {
  rapport: 'Rapport annuel de l’EPCI',
  epci: 'Tableau de bord de l’EPCI',
  bailleur: 'Tableau de bord du bailleur',
  reservataire: 'Tableau de bord du réservataire',
  etat: 'Les EPCI du département',
  admin: 'Administration',
};

/**
 * The web application's pages, server-rendered with the DSFR. They carry no figures: the client
 * script reads them from the JSON API with the person's session, under the very access rules
 * of the API. A page asked without a session leads to the sign-in page.
 */
@Controller()
export class PagesController {
  constructor(
    private readonly sessions: SessionAuthenticator,
    private readonly oidc: OidcService,
    private readonly known: KnownOrganisationsService,
  ) {}

  @Public()
  @Get()
  @Contract({ summary: 'Accueil : la page de son organisme une fois connecté, la connexion sinon', answer: 'read' })
  async home(@Req() request: FastifyRequest, @Res() response: FastifyReply): Promise<void> {
    const principal = await this.sessions.principal(request);
    response.redirect(principal ? homeOf(principal) : '/connexion', 303);
  }

  @Public()
  @Get('connexion')
  @Contract({ summary: 'Page de connexion', answer: 'read' })
  signIn(@Query('erreur') error: string | undefined, @Res() response: FastifyReply): void {
    const message = error ? SIGN_IN_ERRORS[error] : undefined;
    const body = html` ${message ? html`<div class="fr-alert fr-alert--error fr-mb-4w" role="alert"><p>${message}</p></div>` : ''}
      ${
        this.oidc.enabled
          ? html`<div class="fr-connect-group">
              <a class="fr-connect" href="/connexion/oidc"
                ><span class="fr-connect__login">S’identifier avec</span> <span class="fr-connect__brand">ProConnect</span></a
              >
              <p>
                <a
                  href="https://www.proconnect.gouv.fr/"
                  target="_blank"
                  rel="noopener"
                  title="Qu’est-ce que ProConnect ? — nouvelle fenêtre"
                  >Qu’est-ce que ProConnect ?</a
                >
              </p>
            </div>`
          : html`<p>La connexion par ProConnect (OpenID Connect) n’est pas configurée sur cette installation.</p>`
      }
      <p>Vous avez reçu un lien de connexion (invitation, premier administrateur) ? Ouvrez-le : il vous connecte une fois.</p>`;
    this.send(response, page({ title: 'Se connecter à Vigie', signedIn: false, body }));
  }

  @Public()
  @Get('admin')
  @Contract({ summary: 'Page d’administration : organismes, clés d’API, personnes', answer: 'read' })
  admin(@Req() request: FastifyRequest, @Res() response: FastifyReply): Promise<void> {
    return this.persona(request, response, 'admin', '');
  }

  @Public()
  @Get('epci/:id')
  @Contract({ summary: 'Page d’un EPCI : objectifs, trajectoire, répartitions, alertes, baux', answer: 'read' })
  epci(@Param('id') id: string, @Req() request: FastifyRequest, @Res() response: FastifyReply): Promise<void> {
    return this.persona(request, response, 'epci', id);
  }

  @Public()
  @Get('epci/:id/rapport')
  @Contract({
    summary: 'Rapport annuel imprimable d’un EPCI : objectifs, trajectoires, répartitions, qualité des données',
    answer: 'read',
  })
  epciReport(@Param('id') id: string, @Req() request: FastifyRequest, @Res() response: FastifyReply): Promise<void> {
    return this.persona(request, response, 'rapport', id);
  }

  @Public()
  @Get('bailleur/:id')
  @Contract({ summary: 'Page d’un bailleur : position par objectif et par convention, alertes, imports', answer: 'read' })
  bailleur(@Param('id') id: string, @Req() request: FastifyRequest, @Res() response: FastifyReply): Promise<void> {
    return this.persona(request, response, 'bailleur', id);
  }

  @Public()
  @Get('reservataire/:id')
  @Contract({ summary: 'Page d’un réservataire : conventions, réalisé et dû par année, registre', answer: 'read' })
  reservataire(@Param('id') id: string, @Req() request: FastifyRequest, @Res() response: FastifyReply): Promise<void> {
    return this.persona(request, response, 'reservataire', id);
  }

  @Public()
  @Get('etat/:id')
  @Contract({ summary: 'Page de l’État dans un département : ses EPCI côte à côte', answer: 'read' })
  etat(@Param('id') id: string, @Req() request: FastifyRequest, @Res() response: FastifyReply): Promise<void> {
    return this.persona(request, response, 'etat', id);
  }

  private async persona(
    request: FastifyRequest,
    response: FastifyReply,
    view: PersonaView | OtherView,
    id: string,
  ): Promise<void> {
    const principal = await this.sessions.principal(request);
    if (!principal) return response.redirect('/connexion', 303);
    if (!mayOpen(principal, view, id)) {
      // As the API answers: a page of a role one does not have (the administration) is forbidden to
      // the role (403, as ROLE_FORBIDDEN), another organisation's page is not found (404, as for
      // its figures); each with the way to one's own page.
      const forbidden = view === 'admin';
      const body = html`<div class="fr-alert fr-alert--error fr-mb-4w" role="alert">
          <p>
            ${
              forbidden
                ? 'Cette page est réservée aux administrateurs de Vigie : votre rôle ne l’ouvre pas. Pour un organisme, une clé ou une personne à enregistrer, adressez-vous à votre administrateur.'
                : 'Cette page est celle d’un autre organisme : elle ne vous est pas ouverte.'
            }
          </p>
        </div>
        <p><a class="fr-link" href="${homeOf(principal)}">Aller à la page de votre organisme</a></p>`;
      const title = forbidden ? 'Page réservée aux administrateurs' : 'Page introuvable';
      this.send(response, page({ title, signedIn: true, body }), forbidden ? 403 : 404);
      return;
    }
    const unknown = await this.unknownOrganisation(view, id);
    if (unknown) {
      // As the API answers its figures (404 EPCI_NOT_FOUND…): never an empty page read as « nothing recorded ».
      const body = html`<div class="fr-alert fr-alert--error fr-mb-4w" role="alert">
          <p>${unknown} : vérifiez l’adresse de la page.</p>
        </div>
        <p><a class="fr-link" href="${homeOf(principal)}">Aller à la page de votre organisme</a></p>`;
      this.send(response, page({ title: 'Page introuvable', signedIn: true, body }), 404);
      return;
    }
    const body: Html = PAGE_BODIES[view];
    this.send(response, page({ title: TITLES[view], view: { name: view, id }, signedIn: true, body }));
  }

  /** Why the organisation a page names is not one Vigie knows (in French), or null when it is. */
  private async unknownOrganisation(view: PersonaView | OtherView, id: string): Promise<string | null> {
    switch (view) {
      case 'epci':
      case 'rapport':
        return (await this.known.isRegistered('epci', id))
          ? null
          : `Aucun EPCI de SIREN « ${id} » n’est connu de Vigie (ni dans le référentiel officiel, ni enregistré)`;
      case 'bailleur':
      case 'reservataire':
        return (await this.known.isRegistered(view, id))
          ? null
          : `Aucun ${view === 'bailleur' ? 'bailleur' : 'réservataire'} enregistré ne porte l’identifiant « ${id} »`;
      case 'etat':
        return this.known.isDepartement(id) ? null : `Aucun département de code « ${id} » dans le référentiel officiel`;
      case 'admin':
        return null;
    }
  }

  private send(response: FastifyReply, text: string, status = 200): void {
    response
      .code(status)
      .headers({
        'cache-control': 'no-store',
        'content-security-policy':
          "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'",
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'same-origin',
      })
      .type('text/html; charset=utf-8')
      .send(text);
  }
}
