import { Inject, Injectable } from '@nestjs/common';
import * as client from 'openid-client';
import type { VigieConfig } from '@vigie/config';
import { VIGIE_CONFIG } from '../../platform/platform.module.js';

/** Where the provider sends people back, unless OIDC_REDIRECT_URI says otherwise. */
export const OIDC_CALLBACK_PATH = '/connexion/oidc/retour';

/** What an identity provider vouched for: its subject, and the e-mail address when given (and not marked unverified). */
export interface OidcIdentity {
  readonly subject: string;
  readonly email: string | null;
}

/**
 * Sign-in through OpenID Connect (openid-client): the authorization code flow with PKCE, state
 * and nonce, for ProConnect (the State's federation for public agents) or any provider whose
 * issuer, client id and secret are configured (OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET).
 * The provider's metadata is discovered once, at the first sign-in.
 */
@Injectable()
export class OidcService {
  private discovered: Promise<client.Configuration> | null = null;

  constructor(@Inject(VIGIE_CONFIG) private readonly config: VigieConfig) {}

  get enabled(): boolean {
    return this.config.OIDC_ISSUER !== undefined;
  }

  /** The provider's address to send the person to, and what its answer must match (kept in the session). */
  async start(origin: string): Promise<{ url: URL; checks: { state: string; nonce: string; codeVerifier: string } }> {
    const configuration = await this.configuration();
    const codeVerifier = client.randomPKCECodeVerifier();
    const checks = { state: client.randomState(), nonce: client.randomNonce(), codeVerifier };
    const url = client.buildAuthorizationUrl(configuration, {
      redirect_uri: this.redirectUri(origin),
      scope: this.config.OIDC_SCOPES,
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state: checks.state,
      nonce: checks.nonce,
    });
    return { url, checks };
  }

  /**
   * The identity the provider's answer (the callback URL) proves, checked against the session's
   * state, nonce and PKCE verifier; the e-mail address from the ID token, else from userinfo.
   * Throws when the answer does not check.
   */
  async finish(callbackUrl: URL, checks: { state: string; nonce: string; codeVerifier: string }): Promise<OidcIdentity> {
    const configuration = await this.configuration();
    const tokens = await client.authorizationCodeGrant(configuration, callbackUrl, {
      pkceCodeVerifier: checks.codeVerifier,
      expectedState: checks.state,
      expectedNonce: checks.nonce,
    });
    const claims = tokens.claims();
    if (!claims) throw new Error('The provider answered without an ID token');
    let email = typeof claims.email === 'string' && claims.email_verified !== false ? claims.email : null;
    if (!email) {
      const info = await client.fetchUserInfo(configuration, tokens.access_token, claims.sub);
      email = typeof info.email === 'string' && info.email_verified !== false ? info.email : null;
    }
    return { subject: `${claims.iss} ${claims.sub}`, email };
  }

  private redirectUri(origin: string): string {
    return this.config.OIDC_REDIRECT_URI ?? `${this.config.VIGIE_PUBLIC_URL ?? origin}${OIDC_CALLBACK_PATH}`;
  }

  private configuration(): Promise<client.Configuration> {
    const { OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET } = this.config;
    if (!OIDC_ISSUER || !OIDC_CLIENT_ID || !OIDC_CLIENT_SECRET) throw new Error('OIDC is not configured');
    const issuer = new URL(OIDC_ISSUER);
    this.discovered ??= client
      .discovery(issuer, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, undefined, {
        // A provider on plain http is accepted on the loopback only (a provider run beside Vigie, tests).
        ...(issuer.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(issuer.hostname)
          ? { execute: [client.allowInsecureRequests] }
          : {}),
      })
      .catch((error: unknown) => {
        this.discovered = null;
        throw error;
      });
    return this.discovered;
  }
}
