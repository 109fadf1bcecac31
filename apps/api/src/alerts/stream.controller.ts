import { Contract } from '../http/contract.js';
import { Controller, Get, Inject, Query, Req, Res } from '@nestjs/common';
import { ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { z } from 'zod';
import type { RecordedEvent } from '@vigie/event-store';
import { epciSirenParam } from '../http/params.js';
import { parseOrThrow } from '../http/validation.js';
import { RUNTIME, type Runtime } from '../platform/runtime.js';
import { owns, type Principal } from '@vigie/access';
import { ALL_ROLES, Access, CurrentPrincipal } from '../access/access.decorators.js';
import { TenancyResolver } from '../access/tenancy.resolver.js';
import { FILTERED } from '../access/tenancies.js';

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
    @Inject(RUNTIME) private readonly runtime: Runtime,
    private readonly tenancy: TenancyResolver,
  ) {}

  @Access({ roles: ALL_ROLES, tenancy: FILTERED })
  @Get()
  @Contract({
    summary:
      'Événements serveur en direct : alertes levées ou résolues et nouveaux faits, au fil de l’enregistrement (pour un EPCI si demandé)',
    answer: 'stream',
  })
  @ApiQuery({ name: 'epci', required: false })
  @ApiProduces('text/event-stream')
  async stream(
    @Query('epci') epci: string | undefined,
    @CurrentPrincipal() principal: Principal,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    const filter = parseOrThrow(querySchema, { epci: epci || undefined }).epci;
    const { store } = this.runtime;
    const head = await store.readHeadPosition();
    response.status(200).set({
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    response.flushHeaders();
    response.write(`event: ready\ndata: ${JSON.stringify({ position: head })}\n\n`);
    const subscription = store.subscribe({
      after: head,
      batchSize: 500,
      handler: async (events) => {
        for (const event of events) {
          const about = epciOf(event);
          if (filter && about !== filter) continue;
          // Each subscriber sees only the facts and alerts that name its organisation.
          if (!owns(principal, this.tenancy.ownersOfEvent(event.data))) continue;
          const kind = event.type === 'AlertRaised' || event.type === 'AlertResolved' ? 'alert' : 'fact';
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
        }
      },
    });
    const keepAlive = setInterval(() => response.write(': keep-alive\n\n'), 15_000);
    request.on('close', () => {
      clearInterval(keepAlive);
      void subscription.stop();
    });
  }
}
