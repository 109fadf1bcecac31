import { Contract } from '../http/contract.js';
import { Controller, Get, Inject, Param } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { type RecordedEvent } from '@vigie/event-store';
import { notFound } from '../http/problem.js';
import { EVENT_STORE, type EventStore } from '@vigie/event-store';
import { ALL_ROLES, Access } from '../access/access.decorators.js';
import { EXISTING_EVENT } from '../access/tenancies.js';

@ApiTags('audit')
@Controller('v1/events')
export class EventController {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  @Access({ roles: ALL_ROLES, tenancy: EXISTING_EVENT })
  @Get(':eventId')
  @Contract({ summary: 'Un événement enregistré, comme preuve : position, flux, type, données, métadonnées', answer: 'read' })
  async event(@Param('eventId') eventId: string): Promise<RecordedEvent> {
    const event = await this.store.readEvent(eventId);
    if (!event) throw notFound('EVENT_NOT_FOUND');
    return event;
  }
}
