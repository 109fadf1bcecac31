import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import { EventController } from './events/event.controller.js';
import { HealthController } from './health/health.controller.js';
import { ProblemFilter } from './http/problem.filter.js';
import { LeaseSummaryController } from './leases/lease-summary/lease-summary.controller.js';
import { RecordSignedLeaseController } from './leases/record-signed-lease/record-signed-lease.controller.js';
import { RecordSignedLeaseHandler } from './leases/record-signed-lease/record-signed-lease.handler.js';
import { ProjectorService } from './runtime/projector.service.js';
import { RUNTIME, type Runtime } from './runtime/runtime.js';

@Module({})
export class AppModule {
  static forRuntime(runtime: Runtime): DynamicModule {
    return {
      module: AppModule,
      imports: [CqrsModule.forRoot()],
      controllers: [HealthController, RecordSignedLeaseController, LeaseSummaryController, EventController],
      providers: [
        { provide: RUNTIME, useValue: runtime },
        { provide: APP_FILTER, useClass: ProblemFilter },
        RecordSignedLeaseHandler,
        ProjectorService,
      ],
    };
  }
}
