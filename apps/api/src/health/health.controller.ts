import { Contract } from '../http/contract.js';
import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ProjectorService } from '../platform/projector.service.js';
import { RUNTIME, type Runtime } from '../platform/runtime.js';
import { ALERT_MONITOR_CHECKPOINT } from '@vigie/alerts';
import { RELAY_CHECKPOINT } from '@vigie/messaging';
import { PROJECTION_NAMES, readLogHeads } from '@vigie/projections';
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
  async health(@Res() response: FastifyReply): Promise<void> {
    const started = performance.now();
    try {
      const heads = await readLogHeads(this.runtime.pool);
      const latencyMs = Math.round((performance.now() - started) * 10) / 10;
      // Lag counts from the true head: events held back by an open transaction are owed too.
      const head = heads.headPosition;
      const oldest = await this.oldestTransaction();
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
      const threshold = this.runtime.config.HEALTH_STALL_THRESHOLD_S;
      const heldBack = heads.heldBack;
      const causes: string[] = [];
      // Readers stop at a hole of the log (an append in flight, or rolled back while an older
      // transaction is open anywhere on the server): an open transaction alone holds nothing back.
      if (heldBack > 0 && (heads.heldBackSeconds ?? 0) >= threshold) {
        const where = oldest
          ? `une transaction ouverte depuis ${Math.round(oldest.ageSeconds ?? 0)} s` +
            `${oldest.database ? ` dans la base « ${oldest.database} »` : ''}${oldest.pid ? ` (pid ${oldest.pid})` : ''}`
          : 'une transaction ouverte';
        causes.push(
          `Lecteurs bloqués : ${where} retient ${heldBack} événement(s) enregistré(s) depuis ${Math.round(heads.heldBackSeconds ?? 0)} s (seuil ${threshold} s), ` +
            'derrière un ajout au journal annulé ou pas encore validé.',
        );
      }
      const eventStore = await this.eventStoreHealth();
      if (eventStore.status === 'down') causes.push(`Journal d’événements ${eventStore.kind} injoignable : ${eventStore.error}.`);
      if (relay.state === 'retrying' || relay.state === 'blocked')
        causes.push(`Relais Kafka : ${relay.reason ?? relay.lastError ?? 'nouvel essai en cours'}.`);
      const body = {
        status: causes.length ? 'degraded' : 'ok',
        causes,
        database: { status: 'up', description: this.runtime.database.description, latencyMs },
        /** Where the event log lives (EVENT_STORE); with KurrentDB, the read side reads its mirror in PostgreSQL. */
        eventStore,
        /** Highest committed position (the true head). */
        headPosition: head,
        eventLog: {
          headPosition: heads.headPosition,
          visibleHeadPosition: heads.visibleHeadPosition,
          heldBack,
          heldBackSeconds: heads.heldBackSeconds,
          stallThresholdSeconds: threshold,
          oldestTransaction: oldest,
        },
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
      response.code(200).send(body);
    } catch (error) {
      response.header('retry-after', String(this.runtime.config.DATABASE_RETRY_AFTER_S));
      response.code(503).send({
        status: 'down',
        database: { status: 'down', description: this.runtime.database.description, error: (error as Error).message },
      });
    }
  }

  /**
   * The event store EVENT_STORE chose. For KurrentDB: its head position, and how far the
   * PostgreSQL mirror the read side reads (log_mirror) is behind it.
   */
  private async eventStoreHealth(): Promise<{
    kind: 'postgres' | 'kurrentdb';
    description: string;
    status: 'up' | 'down';
    headPosition?: number;
    mirrorLag?: number;
    error?: string;
  }> {
    const { kind, description } = this.runtime.eventStore;
    const logStore = this.runtime.logStore;
    if (!logStore) return { kind, description, status: 'up' };
    try {
      const headPosition = await logStore.readHeadPosition();
      const { rows } = await this.runtime.pool.query<{ position: string }>('SELECT position FROM checkpoints WHERE name = $1', [
        'log_mirror',
      ]);
      const mirrored = Number(rows[0]?.position ?? 0);
      return { kind, description, status: 'up', headPosition, mirrorLag: Math.max(0, headPosition - mirrored) };
    } catch (error) {
      return { kind, description, status: 'down', error: (error as Error).message };
    }
  }

  /**
   * The oldest transaction of the whole server that holds a transaction id (a writer, in any
   * database, or a prepared transaction): readers cannot pass it. Its database and age need the
   * pg_read_all_stats role when it belongs to another user; otherwise they are null.
   */
  private async oldestTransaction(): Promise<{
    database: string | null;
    pid: number | null;
    applicationName: string | null;
    ageSeconds: number | null;
  } | null> {
    const { rows } = await this.runtime.pool.query<{
      database: string | null;
      pid: number | null;
      application_name: string | null;
      age_seconds: string | null;
    }>(
      `SELECT database, pid, application_name, age_seconds FROM (
         SELECT datname AS database, pid, application_name,
                extract(epoch FROM now() - xact_start) AS age_seconds, age(backend_xid) AS xid_age
           FROM pg_stat_activity WHERE backend_xid IS NOT NULL
         UNION ALL
         SELECT database, NULL, 'PREPARE TRANSACTION', extract(epoch FROM now() - prepared), age(transaction)
           FROM pg_prepared_xacts
       ) t ORDER BY xid_age DESC LIMIT 1`,
    );
    const row = rows[0];
    if (!row) return null;
    return {
      database: row.database,
      pid: row.pid,
      applicationName: row.application_name,
      ageSeconds: row.age_seconds == null ? null : Math.round(Number(row.age_seconds) * 10) / 10,
    };
  }
}
