import { Module } from '@nestjs/common';
import { ComplianceController } from './compliance.controller.js';
import { ComplianceService } from './compliance.service.js';

export const COMPLIANCE_CONTROLLERS = [ComplianceController];

/** Compliance figures against the CIA, derived when read (cached per position). */
@Module({ controllers: COMPLIANCE_CONTROLLERS, providers: [ComplianceService] })
export class ComplianceModule {}
