import { Pool } from 'pg';
import { type EventStore, type PostgresEventNotifier } from '@vigie/event-store';
import { LogMirrorProjection } from './log-mirror.projection.js';
import { AlertsProjection } from './alerts/alerts.projection.js';
import { ComplianceProjection } from './compliance/compliance.projection.js';
import { FluxProjection } from './flux/flux.projection.js';
import { LeaseSummaryProjection } from './lease-summary/lease-summary.projection.js';
import { type Projection } from './projection.js';
import { ProjectionRunner, type ProjectionRunnerOptions } from './projection-runner.js';

/** Every live read model, fed by whichever process runs the projector. */
export function liveProjections(): Projection[] {
  return [new LeaseSummaryProjection(), new ComplianceProjection(), new AlertsProjection(), new FluxProjection()];
}

export const PROJECTION_NAMES: readonly string[] = liveProjections().map((projection) => projection.name);

/**
 * The runners of every live projection. With `logStore` (a log kept outside PostgreSQL, e.g.
 * KurrentDB), a first runner copies the log into PostgreSQL's `events` table through the port
 * (LogMirrorProjection) and wakes the others through `notifier` after each batch; they read that
 * copy as they read the PostgreSQL log.
 */
export function createProjectionRunners(
  pool: Pool,
  options: Omit<ProjectionRunnerOptions, 'notifier'> & {
    readonly notifier?: PostgresEventNotifier;
    readonly onComplianceApplied?: (position: number) => void;
    readonly onFluxApplied?: (position: number) => void;
    readonly logStore?: EventStore & { readonly notifications?: ProjectionRunnerOptions['notifier'] };
  },
): ProjectionRunner[] {
  const { logStore, ...shared } = options;
  const mirror = logStore
    ? [
        new ProjectionRunner(pool, new LogMirrorProjection(), {
          ...shared,
          notifier: logStore.notifications,
          source: logStore,
          onApplied: () => options.notifier?.publish(),
        }),
      ]
    : [];
  return [
    ...mirror,
    ...liveProjections().map(
      (projection) =>
        new ProjectionRunner(
          pool,
          projection,
          projection.name === 'compliance'
            ? { ...shared, onApplied: options.onComplianceApplied }
            : projection.name === 'flux'
              ? { ...shared, onApplied: options.onFluxApplied }
              : shared,
        ),
    ),
  ];
}

/** What `apps/projector rebuild NAME` replays: a projection writing into fresh tables, and the live one it replaces. */
export const REBUILDABLE: Readonly<Record<string, { fresh: () => Projection; live: () => Projection }>> = {
  lease_summary: { fresh: () => new LeaseSummaryProjection('lease_summary_rebuild'), live: () => new LeaseSummaryProjection() },
  compliance: { fresh: () => new ComplianceProjection('_rebuild'), live: () => new ComplianceProjection() },
  alerts: { fresh: () => new AlertsProjection('_rebuild'), live: () => new AlertsProjection() },
  flux: { fresh: () => new FluxProjection('_rebuild'), live: () => new FluxProjection() },
};
