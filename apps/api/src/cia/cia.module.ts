import { Module } from '@nestjs/common';
import { AdoptCiaController } from './adopt-cia/adopt-cia.controller.js';
import { AdoptCiaHandler } from './adopt-cia/adopt-cia.handler.js';
import { AmendCiaController } from './amend-cia/amend-cia.controller.js';
import { AmendCiaHandler } from './amend-cia/amend-cia.handler.js';
import { PublishQuartileThresholdController } from './publish-threshold/publish-threshold.controller.js';
import { PublishQuartileThresholdHandler } from './publish-threshold/publish-threshold.handler.js';
import { ReadCiaController } from './read-cia/read-cia.controller.js';

export const CIA_CONTROLLERS = [AdoptCiaController, AmendCiaController, PublishQuartileThresholdController, ReadCiaController];

/** The EPCI's CIA (adopted, amended) and the first-quartile thresholds published for it. */
@Module({
  controllers: CIA_CONTROLLERS,
  providers: [AdoptCiaHandler, AmendCiaHandler, PublishQuartileThresholdHandler],
})
export class CiaModule {}
