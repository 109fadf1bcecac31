import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AccessGuard } from './access.guard.js';
import { ApiKeysController, MeController } from './api-keys.controller.js';
import { TenancyResolver } from './tenancy.resolver.js';

export const ACCESS_CONTROLLERS = [ApiKeysController, MeController];

/** Access closed by default: API keys, the guard on every route, and who owns what. */
@Global()
@Module({
  controllers: ACCESS_CONTROLLERS,
  providers: [TenancyResolver, { provide: APP_GUARD, useClass: AccessGuard }],
  exports: [TenancyResolver],
})
export class AccessModule {}
