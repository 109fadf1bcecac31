import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import { ACCESS_CONTROLLERS, AccessModule } from './access/access.module.js';
import { ALERTS_CONTROLLERS, AlertsModule } from './alerts/alerts.module.js';
import { ATTRIBUTION_CONTROLLERS, AttributionModule } from './attribution/attribution.module.js';
import { CIA_CONTROLLERS, CiaModule } from './cia/cia.module.js';
import { COMPLIANCE_CONTROLLERS, ComplianceModule } from './compliance/compliance.module.js';
import { OPERATIONS_CONTROLLERS, OperationsModule } from './events/operations.module.js';
import { FLUX_CONTROLLERS, FluxModule } from './flux/flux.module.js';
import { ProblemFilter } from './http/problem.filter.js';
import { IMPORTS_CONTROLLERS, ImportsModule } from './imports/imports.module.js';
import { DASHBOARD_CONTROLLERS, DashboardModule } from './dashboard/dashboard.module.js';
import { PlatformModule } from './platform/platform.module.js';
import type { Runtime } from './platform/runtime.js';
import { REFERENTIAL_CONTROLLERS, ReferentialModule } from './referential/referential.module.js';

/** Every controller of the API: the access test and the start-up check walk this list. */
export const CONTROLLERS = [
  ...OPERATIONS_CONTROLLERS,
  ...ATTRIBUTION_CONTROLLERS,
  ...IMPORTS_CONTROLLERS,
  ...REFERENTIAL_CONTROLLERS,
  ...CIA_CONTROLLERS,
  ...COMPLIANCE_CONTROLLERS,
  ...ALERTS_CONTROLLERS,
  ...FLUX_CONTROLLERS,
  ...ACCESS_CONTROLLERS,
  ...DASHBOARD_CONTROLLERS,
] as const;

/**
 * The API: one module per bounded context, each with one folder per use case; writes go through
 * the CommandBus to one handler per use case, which hands its command to the one pipeline.
 */
@Module({})
export class AppModule {
  static forRuntime(runtime: Runtime): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CqrsModule.forRoot(),
        PlatformModule.forRuntime(runtime),
        AccessModule,
        AttributionModule,
        ImportsModule,
        ReferentialModule,
        CiaModule,
        ComplianceModule,
        AlertsModule,
        FluxModule,
        OperationsModule,
        DashboardModule,
      ],
      providers: [
        { provide: APP_FILTER, useClass: ProblemFilter },
        // The answer's deadline (503 REQUEST_DEADLINE_EXCEEDED) is the requestDeadline middleware's.
      ],
    };
  }
}
