import { Module } from '@nestjs/common';
import { AlertsController } from './alerts.controller.js';
import { LiveFeedService } from './live-feed.service.js';
import { StreamController } from './stream.controller.js';

export const ALERTS_CONTROLLERS = [AlertsController, StreamController];

/** Drift alerts as recorded, and the live stream of alerts and facts. */
@Module({ controllers: ALERTS_CONTROLLERS, providers: [LiveFeedService] })
export class AlertsModule {}
