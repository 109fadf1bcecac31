import { parisTimestamp } from '@vigie/domain';
import { randomBytes } from 'node:crypto';
import { Controller, Get, HttpCode, Logger, Param, Post, Req, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PeopleStore, type Principal } from '@vigie/access';
import { Contract } from '../../http/contract.js';
import { Access, ALL_ROLES, CurrentPrincipal, Public } from '../access.decorators.js';
import { NO_TENANT } from '../tenancies.js';
import { OidcService } from './oidc.service.js';
import { SessionAuthenticator } from './session-authenticator.js';
import { sessionOf } from './session.middleware.js';

const origin = (request: FastifyRequest) => `${request.protocol}://${request.host || '127.0.0.1'}`;

/**
 * People sign in here and land on `/` (the web application); a failure goes back to `/connexion`
 * with the reason (`?erreur=lien|compte|oidc`), never with the detail of a token.
 */
@ApiTags('access')
@Controller()
export class SignInController {
  private readonly logger = new Logger('SignIn');

  constructor(
    private readonly people: PeopleStore,
    private readonly sessions: SessionAuthenticator,
    private readonly oidc: OidcService,
  ) {}

  @Public()
  @Get('connexion/lien/:token')
  @Contract({
    summary:
      'Se connecter par un lien à usage unique (premier administrateur, invitation) : ouvre la session et mène à l’accueil',
    answer: 'read',
  })
  async link(@Param('token') token: string, @Req() request: FastifyRequest, @Res() response: FastifyReply): Promise<void> {
    const person = await this.people.consumeLink(token);
    if (!person) return response.redirect('/connexion?erreur=lien', 303);
    await this.sessions.signIn(request, person, randomBytes(32).toString('base64url'));
    response.redirect('/', 303);
  }

  @Public()
  @Get('connexion/oidc')
  @Contract({ summary: 'Se connecter par OpenID Connect (ProConnect ou le fournisseur configuré)', answer: 'read' })
  async startOidc(@Req() request: FastifyRequest, @Res() response: FastifyReply): Promise<void> {
    if (!this.oidc.enabled) return response.redirect('/connexion?erreur=oidc', 303);
    try {
      const { url, checks } = await this.oidc.start(origin(request));
      const session = sessionOf(request)!;
      session.oidc = checks;
      await new Promise<void>((resolve, reject) => session.save((error) => (error ? reject(error) : resolve())));
      response.redirect(url.href, 303);
    } catch (error) {
      this.logger.warn(`OIDC provider unreachable: ${(error as Error).message}`);
      response.redirect('/connexion?erreur=oidc', 303);
    }
  }

  @Public()
  @Get('connexion/oidc/retour')
  @Contract({ summary: 'Retour du fournisseur OpenID Connect : ouvre la session de la personne invitée', answer: 'read' })
  async finishOidc(@Req() request: FastifyRequest, @Res() response: FastifyReply): Promise<void> {
    const checks = sessionOf(request)?.oidc;
    if (!this.oidc.enabled || !checks) return response.redirect('/connexion?erreur=oidc', 303);
    let person;
    try {
      const identity = await this.oidc.finish(new URL(request.url, origin(request)), checks);
      person = await this.people.signInWithOidc(identity.subject, identity.email);
    } catch (error) {
      this.logger.warn(`OIDC sign-in refused: ${(error as Error).message}`);
      return response.redirect('/connexion?erreur=oidc', 303);
    }
    if (!person) {
      await this.sessions.signOut(request);
      return response.redirect('/connexion?erreur=compte', 303);
    }
    await this.sessions.signIn(request, person, randomBytes(32).toString('base64url'));
    response.redirect('/', 303);
  }

  @Access({ roles: ALL_ROLES, tenancy: NO_TENANT })
  @Get('v1/session')
  @Contract({
    summary:
      'La session de la personne connectée : qui elle est (rôle, organisme), le jeton anti-falsification à renvoyer en X-CSRF-Token, la fin de la session',
    answer: 'read',
  })
  async session(@Req() request: FastifyRequest, @CurrentPrincipal() principal: Principal) {
    const person = await this.sessions.person(request);
    const session = sessionOf(request);
    const expiresAt = session?.cookie?.expires;
    return {
      principal: { role: principal.role, tenant: principal.tenant },
      person: person ? { id: person.id, name: person.name, email: person.email } : null,
      csrfToken: person ? (session?.csrfToken ?? null) : null,
      expiresAt: person && expiresAt ? parisTimestamp(new Date(expiresAt)) : null,
    };
  }

  @Access({ roles: ALL_ROLES, tenancy: NO_TENANT })
  @Post('v1/session/logout')
  @HttpCode(200)
  @Contract({ summary: 'Se déconnecter : la session est détruite côté serveur', answer: 'read' })
  async logout(@Req() request: FastifyRequest) {
    await this.sessions.signOut(request);
    return { signedOut: true };
  }
}
