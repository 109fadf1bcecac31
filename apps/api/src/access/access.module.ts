import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AccessGuard } from './access.guard.js';
import { ApiKeysController, MeController } from './api-keys.controller.js';
import { TenancyResolver } from './tenancy.resolver.js';
import { OidcService } from './sessions/oidc.service.js';
import { PeopleController } from './sessions/people.controller.js';
import { SessionAuthenticator } from './sessions/session-authenticator.js';
import { SignInController } from './sessions/sign-in.controller.js';

export const ACCESS_CONTROLLERS = [ApiKeysController, MeController, PeopleController, SignInController];

/** Access closed by default: API keys, people's sessions, the guard on every route, and who owns what. */
@Global()
@Module({
  controllers: ACCESS_CONTROLLERS,
  providers: [TenancyResolver, SessionAuthenticator, OidcService, { provide: APP_GUARD, useClass: AccessGuard }],
  exports: [TenancyResolver, SessionAuthenticator, OidcService],
})
export class AccessModule {}
