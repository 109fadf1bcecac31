import { Contract } from '../../http/contract.js';
import { Controller, Get, Inject, Param } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ciaDecider, ciaStreamId, legalDefaultCia, parisYear } from '@vigie/domain';
import { CLOCK, type Clock } from '../../platform/platform.module.js';
import { EVENT_STORE, type EventStore, loadAggregate } from '@vigie/event-store';
import { ALL_ROLES, Access } from '../../access/access.decorators.js';
import { NO_TENANT } from '../../access/tenancies.js';
import { siren } from '../../http/identifiers.js';
import { parseOrThrow } from '../../http/validation.js';
import { KnownOrganisationsService } from '../../referential/known-organisations.service.js';
import { assertKnownOrganisation } from '../../http/known-organisation.js';

@ApiTags('CIA')
@Controller('v1/epcis/:siren/cia')
export class ReadCiaController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly known: KnownOrganisationsService,
  ) {}

  @Access({ roles: ALL_ROLES, tenancy: NO_TENANT })
  @Get()
  @Contract({
    summary: 'La CIA en vigueur (ou les valeurs légales) et les seuils publiés',
    answer: 'read',
    errors: ['EPCI_NOT_FOUND'],
  })
  async current(@Param('siren') sirenParam: string) {
    const epciSiren = parseOrThrow(siren('SIREN de l’EPCI'), sirenParam, 'siren');
    // An EPCI Vigie does not know has no CIA, not the legal defaults: 404 EPCI_NOT_FOUND.
    await assertKnownOrganisation(this.known, 'epci', epciSiren);
    const { state, version } = await loadAggregate(this.store, ciaStreamId(epciSiren), ciaDecider);
    const year = parisYear(this.clock());
    return {
      epciSiren,
      adopted: state.cia !== null,
      cia: state.cia ?? legalDefaultCia(epciSiren, year),
      quartileThresholds: Object.entries(state.thresholds).map(([y, amountPerUc]) => ({ year: Number(y), amountPerUc })),
      streamVersion: version,
    };
  }
}
