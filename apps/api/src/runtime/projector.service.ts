import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { LeaseSummaryProjection, ProjectionRunner } from '@vigie/projections';
import { RUNTIME, Runtime } from './runtime.js';

/** The projections this process feeds, when the projector runs in-process (the default). */
export function createProjectionRunners(runtime: Runtime): ProjectionRunner[] {
  const options = {
    batchSize: runtime.config.PROJECTOR_BATCH_SIZE,
    pollIntervalMs: runtime.config.POLL_INTERVAL_MS,
    notifier: runtime.store.notifications,
  };
  return [new ProjectionRunner(runtime.pool, new LeaseSummaryProjection(), options)];
}

export const PROJECTION_NAMES = ['lease_summary'] as const;

@Injectable()
export class ProjectorService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Projector');
  readonly runners: ProjectionRunner[];

  constructor(@Inject(RUNTIME) private readonly runtime: Runtime) {
    this.runners = runtime.config.PROJECTOR_IN_PROCESS ? createProjectionRunners(runtime) : [];
  }

  async onApplicationBootstrap(): Promise<void> {
    for (const runner of this.runners) runner.start();
    if (this.runners.length) this.logger.log(`Projections running in-process: ${this.runners.map((r) => r.projection.name).join(', ')}`);
    else this.logger.log('PROJECTOR_IN_PROCESS=false: projections are fed by apps/projector');
    await this.runtime.relay.start();
    const relay = this.runtime.relay.status();
    if (relay.state === 'disabled') this.logger.warn(`Kafka relay idle: ${relay.reason}`);
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.runners.map((runner) => runner.stop()));
  }
}
