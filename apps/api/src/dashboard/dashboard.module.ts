import { Module } from '@nestjs/common';
import { DepartementEpcisController } from './departement-epcis.controller.js';
import { NamesController } from './names.controller.js';
import { PagesController } from './pages.controller.js';

export const DASHBOARD_CONTROLLERS = [NamesController, DepartementEpcisController, PagesController];

/**
 * The web application (tableau de bord): French pages with the DSFR for EPCIs, bailleurs,
 * réservataires, the État and admins. Its figures come from the JSON API with the person's
 * session (no second computation); this module serves the pages and the names they show.
 */
@Module({ controllers: DASHBOARD_CONTROLLERS })
export class DashboardModule {}
