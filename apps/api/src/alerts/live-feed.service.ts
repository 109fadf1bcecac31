import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { PollingLoop, type RecordedEvent } from '@vigie/event-store';
import { failureReporter } from '@vigie/postgres';
import { readFreshness, readLogHeads } from '@vigie/projections';
import { RUNTIME, type Runtime } from '../platform/runtime.js';

export type LiveListener = (events: readonly RecordedEvent[]) => void;
/** Told the position the compliance figures now stand at, each time it moves past a delivered event. */
export type ProjectedListener = (position: number) => void;

const BATCH_SIZE = 500;
/** How soon the log is read again when its head is beyond the events visible to a gap-safe read. */
const HIDDEN_RETRY_MS = 20;
/** How often the compliance checkpoint is read while a delivered event is not yet in the figures. */
const PROJECTION_POLL_MS = 15;
/** Past this, a projection that does not move is no longer waited for (the next event starts again). */
const PROJECTION_WAIT_MS = 30_000;

/**
 * One reader of the event log per process for every live stream (SSE): woken by the process's one
 * LISTEN connection, with slow polling as the fallback, it fans each batch out to the connected
 * clients in memory. 300 idle clients used to poll the database every 500 ms each; now they cost
 * nothing until something is recorded. The reader runs only while at least one client is connected.
 */
@Injectable()
export class LiveFeedService implements OnApplicationShutdown {
  private readonly logger = new Logger('LiveFeed');
  private readonly listeners = new Set<LiveListener>();
  private readonly projectedListeners = new Set<ProjectedListener>();
  private reader: PollingLoop | undefined;
  private starting: Promise<void> | undefined;
  private position = 0;
  /** The compliance projection's position last read, and the last delivered position it must reach. */
  private projected = 0;
  private awaited = 0;
  private watching: Promise<void> | undefined;

  constructor(@Inject(RUNTIME) private readonly runtime: Runtime) {}

  /** Clients connected now. */
  get clients(): number {
    return this.listeners.size;
  }

  /**
   * Registers a client; it receives every event after the returned position, in order, until
   * `unsubscribe` is called.
   */
  async subscribe(listener: LiveListener, projected?: ProjectedListener): Promise<{ position: number; unsubscribe: () => void }> {
    this.listeners.add(listener);
    if (projected) this.projectedListeners.add(projected);
    try {
      await this.ensureRunning();
    } catch (error) {
      this.listeners.delete(listener);
      if (projected) this.projectedListeners.delete(projected);
      throw error;
    }
    return {
      position: this.position,
      unsubscribe: () => {
        this.listeners.delete(listener);
        if (projected) this.projectedListeners.delete(projected);
        if (this.listeners.size === 0) void this.stop();
      },
    };
  }

  /**
   * Reads the compliance projection's checkpoint (one reader per process, every 15 ms) until it
   * reaches the last delivered event, telling the clients each time it moves: a page reads its
   * figures again once, when they include the fact, instead of polling the API until they do.
   */
  private watchProjection(): void {
    if (this.watching || this.projectedListeners.size === 0) return;
    const { pool } = this.runtime;
    this.watching = (async () => {
      const started = Date.now();
      while (this.projected < this.awaited && this.projectedListeners.size > 0) {
        if (Date.now() - started > PROJECTION_WAIT_MS) return 'gave up';
        const { position } = await readFreshness(pool, 'compliance');
        if (position > this.projected) {
          this.projected = position;
          for (const listener of [...this.projectedListeners]) {
            try {
              listener(position);
            } catch (error) {
              this.logger.warn(`A live client failed: ${(error as Error).message}`);
            }
          }
        }
        if (this.projected >= this.awaited) break;
        await new Promise((resolve) => setTimeout(resolve, PROJECTION_POLL_MS).unref());
      }
      return 'caught up';
    })()
      .catch((error: unknown) => {
        this.logger.warn(`Compliance checkpoint read failed: ${(error as Error).message}`);
        return 'gave up';
      })
      .then((outcome) => {
        this.watching = undefined;
        // An event delivered as the loop ended is waited for too.
        if (outcome === 'caught up' && this.projected < this.awaited) this.watchProjection();
      });
  }

  private ensureRunning(): Promise<void> {
    if (this.reader) return Promise.resolve();
    this.starting ??= (async () => {
      const { store, config, notifier } = this.runtime;
      this.position = await store.readHeadPosition();
      // LISTEN/NOTIFY wakes it; polling is only the fallback for a lost notification.
      const idleMs = Math.max(config.POLL_INTERVAL_MS, 1_000);
      const reader = new PollingLoop(() => this.readOnce(idleMs), {
        errorDelayMs: idleMs * 2,
        onError: failureReporter(this.logger, 'Live feed read'),
        wakeOn: notifier,
      });
      reader.start();
      this.reader = reader;
    })().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  /**
   * Reads what follows the last position and fans it out. The log's reads are gap-safe: an event
   * committed while a transaction elsewhere on the server is still open stays hidden until that
   * one ends. Woken by its append, the reader then finds nothing, and would wait a whole poll
   * interval (1 s) for it: while the log's head is beyond what it has read, it looks again
   * every 20 ms instead.
   */
  private async readOnce(idleMs: number): Promise<number> {
    const { store } = this.runtime;
    const events = await store.readAll(this.position, BATCH_SIZE);
    if (events.length > 0) {
      this.position = events.at(-1)!.globalPosition;
      for (const listener of [...this.listeners]) {
        try {
          listener(events);
        } catch (error) {
          this.logger.warn(`A live client failed: ${(error as Error).message}`);
        }
      }
      this.awaited = Math.max(this.awaited, this.position);
      this.watchProjection();
    }
    if (events.length === BATCH_SIZE) return 0;
    return (await readLogHeads(this.runtime.pool)).headPosition > this.position ? HIDDEN_RETRY_MS : idleMs;
  }

  private async stop(): Promise<void> {
    await this.starting;
    if (this.listeners.size > 0) return;
    const reader = this.reader;
    this.reader = undefined;
    await reader?.stop();
  }

  async onApplicationShutdown(): Promise<void> {
    this.listeners.clear();
    await this.stop();
  }
}
