import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AlertMonitor } from '@vigie/alerts';
import { type EventStore, PostgresEventStore } from '@vigie/event-store';
import { createProjectionRunners, ProjectionRunner } from '@vigie/projections';
import { failureReporter } from '@vigie/postgres';
import { RUNTIME, type Runtime } from './runtime.js';

/**
 * The one-process default: projections and the Kafka relay run inside the API process.
 * With PROJECTOR_IN_PROCESS=false they run in apps/projector instead.
 */
@Injectable()
export class ProjectorService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Projector');
  readonly runners: ProjectionRunner[];
  readonly alerts: AlertMonitor;
  /**
   * The PostgreSQL log on the projector's pool, for the monitor's reads of its alert streams and its
   * appends: on the API's pool they queued behind the requests (over 100 ms a pass at 100 leases/s
   * on a loaded machine). Its appends wake this process's readers through NOTIFY. A KurrentDB log
   * is on neither pool: the monitor uses the API's store.
   */
  private readonly monitorLog: (EventStore & { close(): Promise<void> }) | undefined;

  constructor(@Inject(RUNTIME) private readonly runtime: Runtime) {
    const { config, projectorPool: pool, store, notifier, logStore } = runtime;
    this.monitorLog = runtime.eventStore.kind === 'postgres' ? new PostgresEventStore(pool) : undefined;
    this.alerts = new AlertMonitor(pool, this.monitorLog ?? store, {
      pollIntervalMs: config.POLL_INTERVAL_MS,
      now: runtime.clock,
      onError: failureReporter(this.logger, 'Alert pass'),
      // Its appends reach this process's readers (the relay, the alerts projection) through NOTIFY
      // only: tell them at once, without the round trip.
      onRecorded: () => notifier.publish(),
    });
    this.runners = config.PROJECTOR_IN_PROCESS
      ? createProjectionRunners(pool, {
          batchSize: config.PROJECTOR_BATCH_SIZE,
          pollIntervalMs: config.POLL_INTERVAL_MS,
          notifier,
          logStore,
          onError: failureReporter(this.logger, 'Projection batch'),
          // Drift rules run as soon as the compliance figures have moved.
          onComplianceApplied: () => this.alerts.wake(),
          onFluxApplied: () => this.alerts.wake(),
        })
      : [];
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.runtime.config.PROJECTOR_IN_PROCESS) {
      this.logger.log('PROJECTOR_IN_PROCESS=false: projections and the Kafka relay run in apps/projector');
      return;
    }
    for (const runner of this.runners) runner.start();
    this.alerts.start();
    this.logger.log(`Projections running in-process: ${this.runners.map((r) => r.projection.name).join(', ')}`);
    await this.runtime.relay.start();
    const relay = this.runtime.relay.status();
    if (relay.state === 'disabled') this.logger.warn(`Kafka relay idle: ${relay.reason}`);
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([...this.runners.map((runner) => runner.stop()), this.alerts.stop()]);
    await this.monitorLog?.close();
  }
}
