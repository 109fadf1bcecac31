import type { Pool, PoolClient } from 'pg';
import {
  compositeKey,
  alertDecider,
  alertStreamId,
  DEFAULT_ALERT_SETTINGS,
  type LiveCompliance,
  observeAlerts,
  observeBilanDue,
  observeConventionAlerts,
  bilanStreamId,
  type AlertObservation,
  parisDate,
  parisYear,
} from '@vigie/domain';
import { CommandPipeline, type EventStore, PollingLoop, type PostgresEventNotifier, uuidFromText } from '@vigie/event-store';
import { LiveFiguresKeeper, readConventionFlux, readConventions } from '@vigie/projections';

export const ALERT_MONITOR_CHECKPOINT = 'alert-monitor';
/** The longest an EPCI-year's change waits for its evaluation under a continuous stream of writes. */
const MAX_SCOPE_SPACING_MS = 2_000;
/**
 * An EPCI-year whose evaluation computes in less than this (ms) is not spaced: evaluated after every
 * compliance batch, it holds the event loop for less than a batch takes to apply, and a spacing of
 * a few ms only delayed its alerts.
 */
const UNSPACED_COMPUTING_MS = 10;
/** EPCI-years whose figures the monitor keeps lease by lease (each holds its tallies and its flats' leases). */
const LIVE_FIGURES_SIZE = 100;

/** What the monitor last observed of an EPCI-year's live figures. */
interface Observed {
  /** The figures observed (a new instance: counted again, every scope is observed). */
  readonly live: LiveCompliance;
  readonly referenceDate: string;
  /** Scopes whose figures moved and whose observations are not recorded yet (kept across a failed pass). */
  readonly pending: Set<string>;
}

export interface AlertMonitorOptions {
  readonly pollIntervalMs?: number;
  readonly notifier?: PostgresEventNotifier;
  readonly now?: () => Date;
  readonly onError?: (error: unknown) => void;
  /**
   * Called after alert events are appended: wakes the in-process readers (the Kafka relay, the
   * alerts projection) at once when the monitor appends through a store other than the one they
   * listen to.
   */
  readonly onRecorded?: () => void;
  /** How often the flux rules (conventions, bilans) are evaluated at most, in ms. */
  readonly fluxIntervalMs?: number;
  /**
   * Fixed spacing between two evaluations of one EPCI-year, in ms. Unset (the default): none when
   * its last evaluation computed in less than 10 ms, else three times the computing it took (the
   * report and the rules, which hold the event loop; not the reads, which only wait), at most 2 s:
   * a small EPCI-year is evaluated after every change, a large one under a continuous stream of writes (a bulk import) holds the process's
   * event loop at most a quarter of the time. Its figures travel lease by lease (only the changed
   * leases are read), so the reads grow with the writes, not with the EPCI-year.
   */
  readonly scopeIntervalMs?: number;
  /** Milliseconds of a clock that measures the computing of an evaluation (default performance.now; specs stop it). */
  readonly computingClock?: () => number;
}

/**
 * Runs the drift rules on every scope (EPCI × year) whose figures changed since its last pass,
 * as soon as the compliance projection has applied them, and appends AlertRaised / AlertResolved
 * to each alert's own stream. Event ids derive from the stream and version, and the alert
 * decider raises only what is not open: a restart, a second monitor or a replay from zero
 * never raises the same alert twice.
 */
export class AlertMonitor {
  private readonly loop: PollingLoop;
  /** Message of the last failed pass, null once a pass succeeds. */
  lastError: string | null = null;
  /** Passes that failed since start (each is retried). */
  failedPasses = 0;
  private lastFluxPass = 0;
  /** How long the last flux pass took (ms). */
  private lastFluxPassTook = 0;
  /** When each EPCI-year was last evaluated, and how long its computing took (ms). */
  private readonly lastScopePass = new Map<string, { at: number; took: number }>();
  private fluxDirty = true;
  private readonly pipeline: CommandPipeline;
  /** The flux projection's position at the last pass. */
  private fluxSeen = 0;
  /** The live figures of the EPCI-years evaluated, brought forward from the changed leases only. */
  private readonly liveFigures: LiveFiguresKeeper;
  private readonly observed = new Map<string, Observed>();
  /** In how many ms the first EPCI-year a pass deferred is due (null: none deferred). */
  private deferredDueInMs: number | null = null;

  constructor(
    private readonly pool: Pool,
    store: EventStore,
    private readonly options: AlertMonitorOptions = {},
  ) {
    this.pipeline = new CommandPipeline(store);
    this.liveFigures = new LiveFiguresKeeper(pool, LIVE_FIGURES_SIZE);
    const interval = options.pollIntervalMs ?? 500;
    this.loop = new PollingLoop(
      async () => {
        await this.runOnce();
        this.lastError = null;
        // A deferred EPCI-year is evaluated as soon as its spacing has passed, not a poll interval later.
        return Math.min(interval, this.deferredDueInMs ?? interval);
      },
      {
        errorDelayMs: interval * 4,
        wakeOn: options.notifier,
        onError: (error) => {
          this.lastError = (error as Error).message;
          this.failedPasses += 1;
          options.onError?.(error);
        },
      },
    );
  }

  /** Evaluates the scopes changed since the last pass; returns how many alert events it appended. */
  async runOnce(): Promise<number> {
    const client = await this.pool.connect();
    try {
      // One monitor at a time, across processes.
      const { rows: lock } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS locked', [
        ALERT_MONITOR_CHECKPOINT,
      ]);
      if (!lock[0]!.locked) return 0;
      try {
        return await this.pass(client);
      } finally {
        await client.query('SELECT pg_advisory_unlock(hashtext($1))', [ALERT_MONITOR_CHECKPOINT]);
      }
    } finally {
      client.release();
    }
  }

  private async pass(client: PoolClient): Promise<number> {
    const { rows: checkpoints } = await client.query<{ name: string; position: string }>(
      "SELECT name, position FROM checkpoints WHERE name IN ('compliance', 'flux', $1)",
      [ALERT_MONITOR_CHECKPOINT],
    );
    const position = (name: string) => Number(checkpoints.find((row) => row.name === name)?.position ?? 0);
    const head = position('compliance');
    const after = position(ALERT_MONITOR_CHECKPOINT);
    const now = this.options.now?.() ?? new Date();
    // The flux rules read the flux projection: they are due again once it has moved.
    const fluxHead = position('flux');
    if (fluxHead > this.fluxSeen) {
      this.fluxSeen = fluxHead;
      this.fluxDirty = true;
    }
    if (head <= after) return this.maybeEvaluateFlux(head, now);
    this.fluxDirty = true;
    const { rows: scopes } = await client.query<{ epci_siren: string; year: number; position: string }>(
      `SELECT epci_siren, year, position FROM compliance_scopes WHERE position > $1
       UNION
       SELECT s.epci_siren, s.year, s.position FROM compliance_scopes s
       WHERE s.epci_siren IN (SELECT epci_siren FROM cia_versions WHERE position > $1
                              UNION SELECT epci_siren FROM quartile_thresholds WHERE position > $1)`,
      [after],
    );
    let appended = 0;
    let deferred = false;
    this.deferredDueInMs = null;
    for (const scope of scopes) {
      const key = compositeKey('compliance-scope', scope.epci_siren, scope.year);
      const last = this.lastScopePass.get(key);
      const took = last?.took ?? 0;
      const spacing =
        this.options.scopeIntervalMs ?? (took < UNSPACED_COMPUTING_MS ? 0 : Math.min(MAX_SCOPE_SPACING_MS, 3 * took));
      const at = (this.options.now?.() ?? new Date()).getTime();
      if (last && at - last.at < spacing) {
        deferred = true;
        this.deferredDueInMs = Math.min(this.deferredDueInMs ?? Infinity, last.at + spacing - at);
        continue;
      }
      const { appended: recorded, computingMs } = await this.evaluate(
        scope.epci_siren,
        scope.year,
        head,
        Number(scope.position),
        now,
      );
      appended += recorded;
      this.lastScopePass.set(key, { at, took: computingMs });
    }
    appended += await this.maybeEvaluateFlux(head, now);
    // A deferred scope keeps the checkpoint where it was: the next passes find it again (and a
    // restart too), and evaluate it once its interval has passed.
    if (deferred) return appended;
    // Without waiting for the WAL flush (synchronous_commit off for this statement's transaction):
    // a checkpoint lost in a crash only evaluates its scopes again, and their alert events, whose
    // ids derive from stream and version, are not recorded twice. A flushed commit held the next
    // pass back.
    await client.query(
      `INSERT INTO checkpoints (name, position)
       SELECT $1::text, $2::bigint FROM (SELECT set_config('synchronous_commit', 'off', true)) AS unflushed
       ON CONFLICT (name) DO UPDATE SET position = excluded.position, updated_at = now()`,
      [ALERT_MONITOR_CHECKPOINT, head],
    );
    return appended;
  }

  /**
   * The drift rules on an EPCI-year's figures, from its live figures brought to `head`: only the
   * scopes whose figures moved since the last recorded pass are observed (and the EPCI's own,
   * a handful), every scope when the figures were counted again (first pass, new rules) or the
   * day changed (the year-end extrapolation moves with the date alone).
   */
  private async evaluate(
    epciSiren: string,
    year: number,
    head: number,
    scopePosition: number,
    now: Date,
  ): Promise<{ appended: number; computingMs: number }> {
    const figures = await this.liveFigures.at(epciSiren, year, head);
    const computingClock = this.options.computingClock ?? (() => performance.now());
    const computing = computingClock();
    const referenceDate = parisDate(now);
    const key = compositeKey('compliance-scope', epciSiren, year);
    const last = this.observed.get(key);
    const moved = figures.live.takeChangedScopes();
    const whole = !last || last.live !== figures.live || last.referenceDate !== referenceDate;
    const pending = new Set([...(last?.live === figures.live ? last.pending : []), ...moved]);
    this.observed.delete(key);
    if (this.observed.size >= LIVE_FIGURES_SIZE) this.observed.delete(this.observed.keys().next().value!);
    // Until recorded, a failed pass leaves every scope to observe again.
    this.observed.set(key, { live: figures.live, referenceDate: whole ? '' : referenceDate, pending });
    // Only the scopes that moved are computed and observed (and the EPCI's own), unless all are due.
    const report = figures.live.report('bailleur', referenceDate, whole ? undefined : pending);
    const settings = { ...DEFAULT_ALERT_SETTINGS, ...figures.rules.cia.options.alerts };
    const observations = observeAlerts(report, settings, year === parisYear(now));
    const computingMs = computingClock() - computing;
    const appended = await this.record(observations, { position: head, scopePosition }, now);
    this.observed.set(key, { live: figures.live, referenceDate, pending: new Set() });
    return { appended, computingMs };
  }

  /**
   * The flux rules read whole conventions and years: they run at most every `fluxIntervalMs`
   * after something changed, and every ten minutes regardless (a bilan becomes due with time alone).
   */
  private async maybeEvaluateFlux(head: number, now: Date): Promise<number> {
    const elapsed = Date.now() - this.lastFluxPass;
    // At least three times what the last pass took: under a stream of flux writes, the rules of a
    // large bailleur's conventions take at most a quarter of the time, never every write's.
    const spacing = Math.max(this.options.fluxIntervalMs ?? 2_000, 3 * this.lastFluxPassTook);
    if (!(this.fluxDirty && elapsed >= spacing) && elapsed < 10 * 60_000) return 0;
    this.lastFluxPass = Date.now();
    this.fluxDirty = false;
    const appended = await this.evaluateFlux(head, now);
    this.lastFluxPassTook = Date.now() - this.lastFluxPass;
    return appended;
  }

  /** Flux rules, on every convention in force this year and every bailleur's bilan of last year. */
  private async evaluateFlux(head: number, now: Date): Promise<number> {
    const today = parisDate(now);
    const year = parisYear(now);
    const observations: AlertObservation[] = [];
    for (const { ref, state } of await readConventions(this.pool)) {
      // A convention binds (and can drift) once both parties agreed to it, in its period.
      if (!state.terms || state.terms.period.startYear > year || state.terms.period.endYear < year) continue;
      const read = await readConventionFlux(this.pool, ref, year, today, state);
      if (!read || !read.agreement.complete) continue;
      observations.push(...observeConventionAlerts(read.figures, DEFAULT_ALERT_SETTINGS));
    }
    const { rows: bailleurs } = await this.pool.query<{ bailleur: string }>(
      `SELECT DISTINCT lease->>'bailleurId' AS bailleur FROM lease_facts WHERE year = $1`,
      [year - 1],
    );
    const { rows: closures } = await this.pool.query<{ stream_id: string }>(
      'SELECT stream_id FROM streams WHERE stream_id = ANY($1)',
      [bailleurs.map(({ bailleur }) => bilanStreamId(bailleur, year - 1))],
    );
    const closed = new Set(closures.map((row) => row.stream_id));
    for (const { bailleur } of bailleurs)
      observations.push(observeBilanDue(bailleur, year - 1, closed.has(bilanStreamId(bailleur, year - 1)), today));
    return this.record(observations, { position: head, scopePosition: head }, now);
  }

  /**
   * Decides each observation on its alert stream through the command pipeline and appends what
   * changed, in one transaction. An alert event's id derives from its stream and its place in
   * it, so a replay or a restart never raises twice.
   */
  private async record(
    observations: AlertObservation[],
    evidence: { position: number; scopePosition: number },
    now: Date,
  ): Promise<number> {
    if (!observations.length) return 0;
    const outcomes = await this.pipeline.handleBatch(
      observations.map((observation) => {
        const streamId = alertStreamId(observation.subject);
        return {
          streamId,
          decider: alertDecider,
          eventId: (version: number) => uuidFromText(compositeKey('alert-event', streamId, version + 1)),
          metadata: { actor: 'system:alert-monitor', source: 'alerts', causationPosition: evidence.position },
          isRetryOf: () => false,
          command: () => ({ type: 'ObserveAlert' as const, observation, evidence, now }),
        };
      }),
    );
    let appended = 0;
    for (const result of outcomes) {
      if (!result.ok) throw result.error;
      if (result.outcome.recorded && !result.outcome.alreadyRecorded) appended += 1;
    }
    if (appended > 0) this.options.onRecorded?.();
    return appended;
  }

  /** Runs a pass as soon as possible (the compliance projection has just applied new facts). */
  wake(): void {
    this.loop.wake();
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }
}
