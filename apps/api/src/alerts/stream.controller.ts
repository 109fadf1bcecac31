import { Contract } from '../http/contract.js';
import { Controller, Get, Query, Req, Res } from '@nestjs/common';
import { ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { RecordedEvent } from '@vigie/event-store';
import { epciSirenParam } from '../http/params.js';
import { parseOrThrow } from '../http/validation.js';
import { owns, type Principal } from '@vigie/access';
import { ALL_ROLES, Access, CurrentPrincipal } from '../access/access.decorators.js';
import { TenancyResolver } from '../access/tenancy.resolver.js';
import { FILTERED } from '../access/tenancies.js';
import { LiveFeedService } from './live-feed.service.js';
import { mayPushAlertLive } from './alert-visibility.js';

/** Bytes a live client may leave unread before it is disconnected. */
const MAX_BUFFERED_BYTES = 1_000_000;

const querySchema = z.object({ epci: epciSirenParam.optional() });

/** The EPCI a fact is about, to filter what a subscriber sees; null for facts of no EPCI. */
function epciOf(event: RecordedEvent): string | null {
  const data = event.data as {
    epciSiren?: string;
    flat?: { epciSiren?: string };
    lease?: { flat?: { epciSiren?: string } };
  } | null;
  return data?.epciSiren ?? data?.flat?.epciSiren ?? data?.lease?.flat?.epciSiren ?? null;
}

@ApiTags('alerts and live')
@Controller('v1/stream')
export class StreamController {
  constructor(
    private readonly tenancy: TenancyResolver,
    private readonly live: LiveFeedService,
  ) {}

  @Access({ roles: ALL_ROLES, tenancy: FILTERED })
  @Get()
  @Contract({
    summary:
      'Événements serveur en direct : alertes déclenchées ou résolues et nouveaux faits, au fil de l’enregistrement (pour un EPCI si demandé), puis « figures » quand les chiffres de conformité les incluent',
    answer: 'stream',
  })
  @ApiQuery({ name: 'epci', required: false })
  @ApiProduces('text/event-stream')
  async stream(
    @Query('epci') epci: string | undefined,
    @CurrentPrincipal() principal: Principal,
    @Req() fastifyRequest: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const filter = parseOrThrow(querySchema, { epci: epci || undefined }).epci;
    // Written as it comes on Node's own response: the stream outlives the handler.
    const request = fastifyRequest.raw;
    const response = reply.raw;
    // Until `ready` is written, a batch the shared feed delivers is held, then trimmed to what follows `ready`.
    let ready: number | undefined = undefined;
    const held: RecordedEvent[] = [];
    // The last fact sent whose figures the client has not been told about yet (0: none).
    let unprojected = 0;
    const write = (events: readonly RecordedEvent[]) => {
      if (response.writableEnded) return;
      if (ready === undefined) {
        held.push(...events);
        return;
      }
      for (const event of events) {
        if (event.globalPosition <= ready) continue;
        const about = epciOf(event);
        if (filter && about !== filter) continue;
        const kind = event.type === 'AlertRaised' || event.type === 'AlertResolved' ? 'alert' : 'fact';
        // Each subscriber sees only the facts that name its organisation, and the alerts it is a party to (as listed).
        if (
          kind === 'alert'
            ? !mayPushAlertLive(principal, event.data, this.tenancy)
            : !owns(principal, this.tenancy.ownersOfEvent(event.data))
        )
          continue;
        const payload =
          kind === 'alert'
            ? {
                eventId: event.eventId,
                type: event.type,
                position: event.globalPosition,
                alertId: event.streamId,
                ...(event.data as object),
              }
            : { eventId: event.eventId, type: event.type, position: event.globalPosition, epciSiren: about };
        response.write(`id: ${event.globalPosition}\nevent: ${kind}\ndata: ${JSON.stringify(payload)}\n\n`);
        if (kind === 'fact') unprojected = event.globalPosition;
      }
      // A client that stopped reading: drop it rather than buffer for ever.
      if (response.writableLength > MAX_BUFFERED_BYTES) response.end();
    };
    // Once the compliance figures include the facts sent, `figures` says so: the page reads them again then, once.
    const projected = (position: number) => {
      if (response.writableEnded || unprojected === 0 || position < unprojected) return;
      unprojected = 0;
      response.write(`event: figures\ndata: ${JSON.stringify({ position })}\n\n`);
    };
    const feed = await this.live.subscribe(write, projected);
    if (request.destroyed) {
      feed.unsubscribe();
      return;
    }
    const head = feed.position;
    // From here the answer is this handler's alone: Fastify sends nothing when it returns.
    reply.hijack();
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    response.flushHeaders();
    response.write(`event: ready\ndata: ${JSON.stringify({ position: head })}\n\n`);
    ready = head;
    write(held.splice(0));
    const keepAlive = setInterval(() => response.write(': keep-alive\n\n'), 15_000);
    request.on('close', () => {
      clearInterval(keepAlive);
      feed.unsubscribe();
    });
  }
}
