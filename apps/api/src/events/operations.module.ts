import { Module } from '@nestjs/common';
import { EventController } from './event.controller.js';
import { HealthController } from '../health/health.controller.js';

export const OPERATIONS_CONTROLLERS = [HealthController, EventController];

/** Operations and audit: health, and one recorded event as the log holds it. */
@Module({ controllers: OPERATIONS_CONTROLLERS })
export class OperationsModule {}
