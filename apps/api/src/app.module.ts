import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { AccessGuard } from './access/access.guard.js';
import { ApiKeysController, MeController } from './access/api-keys.controller.js';
import { TenancyResolver } from './access/tenancy.resolver.js';
import { CqrsModule } from '@nestjs/cqrs';
import { TerritorialReferential } from '@vigie/referential';
import { AlertsController } from './alerts/alerts.controller.js';
import { StreamController } from './alerts/stream.controller.js';
import { CalController } from './cal/cal.controller.js';
import { CiaController } from './cia/cia.controller.js';
import { ComplianceController } from './compliance/compliance.controller.js';
import { ComplianceService } from './compliance/compliance.service.js';
import { EventController } from './events/event.controller.js';
import { BilansController } from './flux/bilans.controller.js';
import { ConventionsController } from './flux/conventions.controller.js';
import { FluxFactsController } from './flux/flux-facts.controller.js';
import { LedgerController } from './flux/ledger.controller.js';
import { StockConversionController } from './flux/stock-conversion.controller.js';
import { ImportService } from './imports/import.service.js';
import { ImportsController } from './imports/imports.controller.js';
import { CancelLeaseController } from './leases/cancel-lease/cancel-lease.controller.js';
import { CorrectLeaseController } from './leases/correct-lease/correct-lease.controller.js';
import { KnownOrganisationsService } from './referential/known-organisations.service.js';
import { LeaseReferentialService } from './leases/lease-referential.service.js';
import { ReferentialController } from './referential/referential.controller.js';
import { DecisionsService } from './shared/decisions.service.js';
import { HealthController } from './health/health.controller.js';
import { ProblemFilter } from './http/problem.filter.js';
import { LeaseSummaryController } from './leases/lease-summary/lease-summary.controller.js';
import { LeaseListController } from './leases/lease-list/lease-list.controller.js';
import { RecordSignedLeaseController } from './leases/record-signed-lease/record-signed-lease.controller.js';
import { RecordSignedLeaseHandler } from './leases/record-signed-lease/record-signed-lease.handler.js';
import { ProjectorService } from './runtime/projector.service.js';
import { RUNTIME, type Runtime } from './runtime/runtime.js';

/** Every controller of the API: the access test and the start-up check walk this list. */
export const CONTROLLERS = [
  HealthController,
  RecordSignedLeaseController,
  CalController,
  ImportsController,
  CancelLeaseController,
  CorrectLeaseController,
  LeaseSummaryController,
  LeaseListController,
  ReferentialController,
  CiaController,
  ComplianceController,
  AlertsController,
  StreamController,
  StockConversionController,
  ConventionsController,
  FluxFactsController,
  BilansController,
  LedgerController,
  EventController,
  ApiKeysController,
  MeController,
] as const;

@Module({})
export class AppModule {
  static forRuntime(runtime: Runtime): DynamicModule {
    return {
      module: AppModule,
      imports: [CqrsModule.forRoot()],
      controllers: [...CONTROLLERS],
      providers: [
        { provide: RUNTIME, useValue: runtime },
        { provide: APP_FILTER, useClass: ProblemFilter },
        { provide: APP_GUARD, useClass: AccessGuard },
        TenancyResolver,
        { provide: TerritorialReferential, useValue: new TerritorialReferential() },
        DecisionsService,
        LeaseReferentialService,
        KnownOrganisationsService,
        RecordSignedLeaseHandler,
        ComplianceService,
        ImportService,
        ProjectorService,
      ],
    };
  }
}
