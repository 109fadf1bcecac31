import { Module } from '@nestjs/common';
import { CancelLeaseController } from './cancel-lease/cancel-lease.controller.js';
import { CancelLeaseHandler } from './cancel-lease/cancel-lease.handler.js';
import { CorrectLeaseController } from './correct-lease/correct-lease.controller.js';
import { CorrectLeaseHandler } from './correct-lease/correct-lease.handler.js';
import { DeclineOfferController } from './decline-offer/decline-offer.controller.js';
import { DeclineOfferHandler } from './decline-offer/decline-offer.handler.js';
import { LeaseReferentialService } from './lease-referential.service.js';
import { SameLeasesService } from './same-leases.service.js';
import { LeaseListController } from './lease-list/lease-list.controller.js';
import { BailleurLeaseListController } from './lease-list/bailleur-lease-list.controller.js';
import { LeaseSummaryController } from './lease-summary/lease-summary.controller.js';
import { RecordCalDecisionController } from './record-cal-decision/record-cal-decision.controller.js';
import { RecordCalDecisionHandler } from './record-cal-decision/record-cal-decision.handler.js';
import { RecordSignedLeaseController } from './record-signed-lease/record-signed-lease.controller.js';
import { RecordSignedLeaseHandler } from './record-signed-lease/record-signed-lease.handler.js';

export const ATTRIBUTION_CONTROLLERS = [
  RecordSignedLeaseController,
  CancelLeaseController,
  CorrectLeaseController,
  RecordCalDecisionController,
  DeclineOfferController,
  LeaseSummaryController,
  LeaseListController,
  BailleurLeaseListController,
];

/**
 * Attribution: a vacant flat's case, from its CAL decision to its signed lease (the counting
 * event), corrected or cancelled by new events. One folder per use case.
 */
@Module({
  controllers: ATTRIBUTION_CONTROLLERS,
  providers: [
    LeaseReferentialService,
    SameLeasesService,
    RecordSignedLeaseHandler,
    CancelLeaseHandler,
    CorrectLeaseHandler,
    RecordCalDecisionHandler,
    DeclineOfferHandler,
  ],
  exports: [LeaseReferentialService, SameLeasesService],
})
export class AttributionModule {}
