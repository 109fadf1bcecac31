import { Pool, type PoolClient } from 'pg';
import { type AppendSignal, PollingLoop, readAllWith, readBatchOfTypesWith, type RecordedEvent } from '@vigie/event-store';
import { type Projection } from './projection.js';

/** How soon a runner reads again when the log holds events its gap-safe read cannot see yet. */
const HIDDEN_RETRY_MS = 20;
/** For how long after an append is signalled the runner looks for events still hidden. */
const HIDDEN_WAIT_MS = 2_000;

export interface ProjectionStatus {
  readonly name: string;
  readonly position: number;
  readonly lastEventAt: Date | null;
  readonly running: boolean;
  readonly lastError: string | null;
}

export interface ProjectionRunnerOptions {
  readonly batchSize?: number;
  readonly pollIntervalMs?: number;
  readonly notifier?: AppendSignal;
  /**
   * Where the batches come from: by default the PostgreSQL `events` table, read inside the batch's
   * transaction (gap-safe); the log mirror reads the EventStore port instead (a KurrentDB log).
   */
  readonly source?: {
    readonly readAll: (after: number, limit: number) => Promise<RecordedEvent[]>;
    readonly readHeadPosition: () => Promise<number>;
  };
  readonly onError?: (error: unknown) => void;
  /** Called after each committed batch (e.g. to wake the alert monitor at once). */
  readonly onApplied?: (position: number) => void;
  /**
   * false: a batch's COMMIT does not wait for its WAL flush (synchronous_commit off). Only for a
   * rebuild into fresh tables that nothing reads yet: a crash loses at most the last batches, with
   * their checkpoint (a rebuild starts over anyway), and the swap's own synchronous COMMIT flushes
   * every one before the tables serve. Default true.
   */
  readonly synchronousCommit?: boolean;
}

/**
 * Feeds a projection from the global log after its checkpoint. Each batch is read, applied
 * and checkpointed in ONE transaction, so a crash anywhere leaves the read model and the
 * checkpoint consistent (the batch is simply applied again). An advisory lock per projection
 * keeps two runners (two processes) from applying the same batch.
 */
export class ProjectionRunner {
  private readonly loop: PollingLoop;
  private current: { position: number; lastEventAt: Date | null } = { position: 0, lastEventAt: null };
  private lastError: string | null = null;
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  /** When the last append was signalled: the log's head is looked at only for a moment after one. */
  private appendedAt = 0;
  private unlisten: (() => void) | undefined;

  constructor(
    private readonly pool: Pool,
    readonly projection: Projection,
    private readonly options: ProjectionRunnerOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 2_000;
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
    this.loop = new PollingLoop(
      async () => {
        const applied = await this.runOnce();
        this.lastError = null;
        if (applied === this.batchSize) return 0;
        // Woken for an event that a transaction open elsewhere (another projection's batch) still
        // hides from the gap-safe read: look again in 20 ms, not after a whole poll interval.
        if (
          applied === 0 &&
          !this.options.source &&
          Date.now() - this.appendedAt < HIDDEN_WAIT_MS &&
          (await this.tableHead()) > this.current.position
        )
          return HIDDEN_RETRY_MS;
        return this.pollIntervalMs;
      },
      {
        errorDelayMs: this.pollIntervalMs * 4,
        wakeOn: options.notifier,
        onError: (error) => {
          this.lastError = (error as Error).message;
          this.options.onError?.(error);
        },
      },
    );
  }

  /** Processes one batch; returns how many events it applied (0: caught up). */
  async runOnce(): Promise<number> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(
        this.options.synchronousCommit === false
          ? "SELECT pg_advisory_xact_lock(hashtext($1)), set_config('synchronous_commit', 'off', true)"
          : 'SELECT pg_advisory_xact_lock(hashtext($1))',
        [`projection:${this.projection.name}`],
      );
      await client.query('INSERT INTO checkpoints (name) VALUES ($1) ON CONFLICT (name) DO NOTHING', [this.projection.name]);
      const { rows } = await client.query<{ position: string; last_event_at: Date | null }>(
        'SELECT position, last_event_at FROM checkpoints WHERE name = $1',
        [this.projection.name],
      );
      const position = Number(rows[0]!.position);
      const { events, last, count } = await this.read(client, position);
      if (!last) {
        await client.query('COMMIT');
        this.current = { position, lastEventAt: rows[0]!.last_event_at };
        return 0;
      }
      await this.projection.apply(client, events, { after: position, upTo: last.globalPosition });
      await client.query('UPDATE checkpoints SET position = $2, last_event_at = $3, updated_at = now() WHERE name = $1', [
        this.projection.name,
        last.globalPosition,
        last.recordedAt,
      ]);
      await client.query('COMMIT');
      this.current = { position: last.globalPosition, lastEventAt: last.recordedAt };
      this.options.onApplied?.(last.globalPosition);
      return count;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  /**
   * The batch after `position`: the events `apply` is given (those of the projection's `eventsOf`
   * only, when it names some), the batch's last event (null: nothing new is visible) and its size.
   */
  private async read(
    client: PoolClient,
    position: number,
  ): Promise<{ events: RecordedEvent[]; last: { globalPosition: number; recordedAt: Date } | null; count: number }> {
    const { eventsOf, dataOf } = this.projection;
    if (this.options.source || !eventsOf) {
      const all = this.options.source
        ? await this.options.source.readAll(position, this.batchSize)
        : await readAllWith(client, position, this.batchSize, { dataOf });
      return {
        events: eventsOf ? all.filter((event) => eventsOf.includes(event.type)) : all,
        last: all.at(-1) ?? null,
        count: all.length,
      };
    }
    return readBatchOfTypesWith(client, position, this.batchSize, eventsOf, { dataOf });
  }

  /**
   * Applies batches until every event committed before the call is applied; returns how many
   * events were applied. An event can stay hidden from readers for a moment after its commit (an
   * append still in flight below it, or a rolled-back append's hole: gap safety), so an
   * empty batch alone does not mean caught up: it waits for them, polling every 20 ms.
   */
  async catchUp(): Promise<number> {
    const target = this.options.source ? await this.options.source.readHeadPosition() : await this.tableHead();
    let total = 0;
    for (;;) {
      const applied = await this.runOnce();
      total += applied;
      if (applied === 0) {
        if (this.current.position >= target) return total;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  }

  private async tableHead(): Promise<number> {
    const { rows } = await this.pool.query<{ head: string | null }>('SELECT max(global_position) AS head FROM events');
    return Number(rows[0]?.head ?? 0);
  }

  start(): void {
    this.unlisten ??= this.options.notifier?.onAppended(() => (this.appendedAt = Date.now()));
    this.loop.start();
  }

  stop(): Promise<void> {
    this.unlisten?.();
    this.unlisten = undefined;
    return this.loop.stop();
  }

  status(): ProjectionStatus {
    return {
      name: this.projection.name,
      position: this.current.position,
      lastEventAt: this.current.lastEventAt,
      running: this.loop.running,
      lastError: this.lastError,
    };
  }
}
