import { Pool } from 'pg';
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

export function createProjectionRunners(
  pool: Pool,
  options: ProjectionRunnerOptions & {
    readonly onComplianceApplied?: (position: number) => void;
    readonly onFluxApplied?: (position: number) => void;
  },
): ProjectionRunner[] {
  return liveProjections().map(
    (projection) =>
      new ProjectionRunner(
        pool,
        projection,
        projection.name === 'compliance'
          ? { ...options, onApplied: options.onComplianceApplied }
          : projection.name === 'flux'
            ? { ...options, onApplied: options.onFluxApplied }
            : options,
      ),
  );
}

/** What `apps/projector rebuild NAME` replays: a projection writing into fresh tables, and the live one it replaces. */
export const REBUILDABLE: Readonly<Record<string, { fresh: () => Projection; live: () => Projection }>> = {
  lease_summary: { fresh: () => new LeaseSummaryProjection('lease_summary_rebuild'), live: () => new LeaseSummaryProjection() },
  compliance: { fresh: () => new ComplianceProjection('_rebuild'), live: () => new ComplianceProjection() },
  alerts: { fresh: () => new AlertsProjection('_rebuild'), live: () => new AlertsProjection() },
  flux: { fresh: () => new FluxProjection('_rebuild'), live: () => new FluxProjection() },
};
