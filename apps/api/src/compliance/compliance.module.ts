import { Module } from '@nestjs/common';
import { AttributionModule } from '../attribution/attribution.module.js';
import { ComplianceController } from './compliance.controller.js';
import { ComplianceService } from './compliance.service.js';
import { DepartementComplianceController } from './departement-compliance.controller.js';
import { ForecastController } from './forecast/forecast.controller.js';
import { SimulateAttributionController } from './simulate-attribution/simulate-attribution.controller.js';
import { SimulateAttributionService } from './simulate-attribution/simulate-attribution.service.js';

export const COMPLIANCE_CONTROLLERS = [
  ComplianceController,
  ForecastController,
  SimulateAttributionController,
  DepartementComplianceController,
];

/**
 * Compliance figures against the CIA, derived when read (cached per position); what an
 * attribution would do to them (simulation, nothing recorded); their year-end forecast.
 */
@Module({
  imports: [AttributionModule],
  controllers: COMPLIANCE_CONTROLLERS,
  providers: [ComplianceService, SimulateAttributionService],
})
export class ComplianceModule {}
