import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { RecordedEvent, Subscription } from '@vigie/event-store';
import { failureReporter } from '@vigie/postgres';
import { RUNTIME, type Runtime } from '../platform/runtime.js';

export type LiveListener = (events: readonly RecordedEvent[]) => void;

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
  private subscription: Subscription | undefined;
  private starting: Promise<void> | undefined;
  private position = 0;

  constructor(@Inject(RUNTIME) private readonly runtime: Runtime) {}

  /** Clients connected now. */
  get clients(): number {
    return this.listeners.size;
  }

  /**
   * Registers a client; it receives every event after the returned position, in order, until
   * `unsubscribe` is called.
   */
  async subscribe(listener: LiveListener): Promise<{ position: number; unsubscribe: () => void }> {
    this.listeners.add(listener);
    try {
      await this.ensureRunning();
    } catch (error) {
      this.listeners.delete(listener);
      throw error;
    }
    return {
      position: this.position,
      unsubscribe: () => {
        this.listeners.delete(listener);
        if (this.listeners.size === 0) void this.stop();
      },
    };
  }

  private ensureRunning(): Promise<void> {
    if (this.subscription) return Promise.resolve();
    this.starting ??= (async () => {
      const { store, config } = this.runtime;
      this.position = await store.readHeadPosition();
      this.subscription = store.subscribe({
        after: this.position,
        batchSize: 500,
        // LISTEN/NOTIFY wakes it; polling is only the fallback for a lost notification.
        pollIntervalMs: Math.max(config.POLL_INTERVAL_MS, 1_000),
        onError: failureReporter(this.logger, 'Live feed read'),
        handler: async (events) => {
          this.position = events.at(-1)!.globalPosition;
          for (const listener of [...this.listeners]) {
            try {
              listener(events);
            } catch (error) {
              this.logger.warn(`A live client failed: ${(error as Error).message}`);
            }
          }
        },
      });
    })().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  private async stop(): Promise<void> {
    await this.starting;
    if (this.listeners.size > 0) return;
    const subscription = this.subscription;
    this.subscription = undefined;
    await subscription?.stop();
  }

  async onApplicationShutdown(): Promise<void> {
    this.listeners.clear();
    await this.stop();
  }
}
