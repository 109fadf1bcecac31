import { Global, Module } from '@nestjs/common';
import { AttributionModule } from '../attribution/attribution.module.js';
import { KnownOrganisationsService } from './known-organisations.service.js';
import { ListEntriesController } from './list-entries/list-entries.controller.js';
import { RegisterEntryController } from './register-entry/register-entry.controller.js';
import { RegisterReferentialEntryHandler } from './register-entry/register-entry.handler.js';

export const REFERENTIAL_CONTROLLERS = [RegisterEntryController, ListEntriesController];

/** The referential Vigie counts against: EPCIs and their communes, QPVs, bailleurs, réservataires. */
@Global()
@Module({
  imports: [AttributionModule],
  controllers: REFERENTIAL_CONTROLLERS,
  providers: [RegisterReferentialEntryHandler, KnownOrganisationsService],
  exports: [KnownOrganisationsService],
})
export class ReferentialModule {}
