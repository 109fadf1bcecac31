import { Body, Controller, Get, Headers, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ciaDecider, ciaStreamId, legalDefaultCia, parisYear, type CiaCommand } from '@vigie/domain';
import { jsonEqual, loadAggregate, type RecordedEvent } from '@vigie/event-store';
import { Inject } from '@nestjs/common';
import { parseOrThrow } from '../http/validation.js';
import { sirenParam } from '../referential/referential.schemas.js';
import { RUNTIME, type Runtime } from '../runtime/runtime.js';
import { KnownOrganisationsService } from '../referential/known-organisations.service.js';
import { DecisionsService } from '../shared/decisions.service.js';
import { apiWriteContext, Writer, eventIdFrom } from '../shared/write-context.js';
import { adoptCiaSchema, amendCiaSchema, thresholdSchema } from './cia.schemas.js';
import { ALL_ROLES, Access } from '../access/access.decorators.js';
import { NO_TENANT, claimedEpci } from '../access/tenancies.js';

@ApiTags('CIA')
@Controller('v1/epcis/:siren')
export class CiaController {
  constructor(
    private readonly decisions: DecisionsService,
    @Inject(RUNTIME) private readonly runtime: Runtime,
    private readonly known: KnownOrganisationsService,
  ) {}

  private decide(siren: string, command: CiaCommand, eventId: string, writer: Writer, type: string) {
    const { eventId: _omit, ...data } = command.data as typeof command.data & { eventId?: string };
    return this.decisions.decide({
      streamId: ciaStreamId(siren),
      decider: ciaDecider,
      context: apiWriteContext(eventId, writer),
      isRetryOf: (previous: RecordedEvent) =>
        previous.type === type &&
        jsonEqual({ ...(previous.data as object), correction: undefined }, { ...data, correction: undefined }),
      command: () => command,
    });
  }

  @Access({ roles: ['epci', 'admin'], tenancy: claimedEpci('siren') })
  @Post('cia')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Adopt the CIA (objectives, sectors, territorialised objectives, counting options); legal defaults fill the gaps',
  })
  async adopt(
    @Param('siren') siren: string,
    @Body() body: unknown,
    @Headers('idempotency-key') key: string | undefined,
    @Writer() writer: Writer,
  ) {
    const epciSiren = parseOrThrow(sirenParam, siren);
    const input = parseOrThrow(adoptCiaSchema, body);
    await this.known.assertRegistered('epci', epciSiren);
    const eventId = eventIdFrom(input.eventId, key, false);
    return this.decide(
      epciSiren,
      { type: 'AdoptCia', data: { epciSiren, adoptedOn: input.adoptedOn, terms: input.terms } },
      eventId,
      writer,
      'CiaAdopted',
    );
  }

  @Access({ roles: ['epci', 'admin'], tenancy: claimedEpci('siren') })
  @Post('cia/amendments')
  @HttpCode(201)
  @ApiOperation({ summary: 'Amend the CIA: what is given replaces, the rest stays; figures follow at once, no migration' })
  async amend(
    @Param('siren') siren: string,
    @Body() body: unknown,
    @Headers('idempotency-key') key: string | undefined,
    @Writer() writer: Writer,
  ) {
    const epciSiren = parseOrThrow(sirenParam, siren);
    const input = parseOrThrow(amendCiaSchema, body);
    await this.known.assertRegistered('epci', epciSiren);
    const eventId = eventIdFrom(input.eventId, key, false);
    return this.decide(
      epciSiren,
      { type: 'AmendCia', data: { epciSiren, amendedOn: input.amendedOn, terms: input.terms } },
      eventId,
      writer,
      'CiaAmended',
    );
  }

  @Access({ roles: ['etat', 'admin'], tenancy: claimedEpci('siren') })
  @Post('quartile-thresholds')
  @HttpCode(201)
  @ApiOperation({ summary: 'Publish (or correct) the first-quartile threshold of a year, in € per UC, with its source' })
  async threshold(
    @Param('siren') siren: string,
    @Body() body: unknown,
    @Headers('idempotency-key') key: string | undefined,
    @Writer() writer: Writer,
  ) {
    const epciSiren = parseOrThrow(sirenParam, siren);
    const input = parseOrThrow(thresholdSchema, body);
    await this.known.assertRegistered('epci', epciSiren);
    const eventId = eventIdFrom(input.eventId, key, false);
    return this.decide(
      epciSiren,
      {
        type: 'PublishQuartileThreshold',
        data: { epciSiren, year: input.year, amountPerUc: input.amountPerUc, source: input.source },
      },
      eventId,
      writer,
      'QuartileThresholdPublished',
    );
  }

  @Access({ roles: ALL_ROLES, tenancy: NO_TENANT })
  @Get('cia')
  @ApiOperation({ summary: 'The CIA in force (or the legal defaults) and the published thresholds' })
  async current(@Param('siren') siren: string) {
    const epciSiren = parseOrThrow(sirenParam, siren);
    const { state, version } = await loadAggregate(this.runtime.store, ciaStreamId(epciSiren), ciaDecider);
    const year = parisYear(this.runtime.clock());
    return {
      epciSiren,
      adopted: state.cia !== null,
      cia: state.cia ?? legalDefaultCia(epciSiren, year),
      quartileThresholds: Object.entries(state.thresholds).map(([y, amountPerUc]) => ({ year: Number(y), amountPerUc })),
      streamVersion: version,
    };
  }
}
