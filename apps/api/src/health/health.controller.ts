import { Contract } from '../http/contract.js';
import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { type Response } from 'express';
import { ProjectorService } from '../platform/projector.service.js';
import { RUNTIME, type Runtime } from '../platform/runtime.js';
import { ALERT_MONITOR_CHECKPOINT } from '@vigie/alerts';
import { RELAY_CHECKPOINT } from '@vigie/messaging';
import { PROJECTION_NAMES } from '@vigie/projections';
import { Public } from '../access/access.decorators.js';

@ApiTags('operations')
@Controller()
export class HealthController {
  constructor(
    @Inject(RUNTIME) private readonly runtime: Runtime,
    private readonly projector: ProjectorService,
  ) {}

  @Public()
  @Get('health')
  @Contract({ summary: 'Base de données, retard des projections et état du relais Kafka', answer: 'read' })
  async health(@Res() response: Response): Promise<void> {
    const started = performance.now();
    try {
      const head = await this.runtime.store.readHeadPosition();
      const latencyMs = Math.round((performance.now() - started) * 10) / 10;
      const { rows } = await this.runtime.pool.query<{ name: string; position: string; last_event_at: Date | null }>(
        'SELECT name, position, last_event_at FROM checkpoints WHERE name = ANY($1)',
        [[...PROJECTION_NAMES, RELAY_CHECKPOINT, ALERT_MONITOR_CHECKPOINT]],
      );
      const checkpoint = (name: string) => rows.find((row) => row.name === name);
      const projections = PROJECTION_NAMES.map((name) => {
        const position = Number(checkpoint(name)?.position ?? 0);
        return { name, position, lag: head - position, lastEventAt: checkpoint(name)?.last_event_at ?? null };
      });
      const external = !this.runtime.config.PROJECTOR_IN_PROCESS;
      const relay = external
        ? { state: 'external', reason: 'Le relais tourne dans apps/projector.', lastError: null }
        : this.runtime.relay.status();
      const relayPosition = Number(checkpoint(RELAY_CHECKPOINT)?.position ?? 0);
      const body = {
        status: relay.state === 'retrying' ? 'degraded' : 'ok',
        database: { status: 'up', description: this.runtime.database.description, latencyMs },
        headPosition: head,
        projector: {
          mode: external ? 'external' : 'in-process',
          lag: Math.max(0, ...projections.map((projection) => projection.lag)),
          projections,
        },
        // The alert monitor follows the compliance projection: its lag is counted against it.
        alertMonitor: {
          lastError: this.projector.alerts.lastError,
          failedPasses: this.projector.alerts.failedPasses,
          position: Number(checkpoint(ALERT_MONITOR_CHECKPOINT)?.position ?? 0),
          lag: Math.max(
            0,
            Number(checkpoint('compliance')?.position ?? 0) - Number(checkpoint(ALERT_MONITOR_CHECKPOINT)?.position ?? 0),
          ),
        },
        kafkaRelay: {
          state: relay.state,
          reason: relay.reason,
          position: relayPosition,
          lag: head - relayPosition,
          lastError: relay.lastError,
        },
      };
      response.status(200).json(body);
    } catch (error) {
      response.status(503).json({
        status: 'down',
        database: { status: 'down', description: this.runtime.database.description, error: (error as Error).message },
      });
    }
  }
}
