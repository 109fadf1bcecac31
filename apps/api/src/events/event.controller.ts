import { Controller, Get, Inject, Param } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { type RecordedEvent } from '@vigie/event-store';
import { ProblemError } from '../http/problem.js';
import { RUNTIME, type Runtime } from '../runtime/runtime.js';

@ApiTags('audit')
@Controller('v1/events')
export class EventController {
  constructor(@Inject(RUNTIME) private readonly runtime: Runtime) {}

  @Get(':eventId')
  @ApiOperation({ summary: 'One recorded event, as proof: position, stream, type, data, metadata' })
  async event(@Param('eventId') eventId: string): Promise<RecordedEvent> {
    const event = await this.runtime.store.readEvent(eventId);
    if (!event) throw new ProblemError(404, 'NOT_FOUND', 'Aucun événement ne porte cet identifiant.', { eventId });
    return event;
  }
}
