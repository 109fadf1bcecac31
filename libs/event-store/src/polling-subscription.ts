import type { RecordedEvent, SubscribeOptions, Subscription } from './event-store.port.js';
import { type AppendSignal, PollingLoop } from './polling-loop.js';

/**
 * Reads after its position in batches and hands each batch to the handler, in position order.
 * Woken by the store's append signal (LISTEN/NOTIFY, KurrentDB live subscription); polls at `pollIntervalMs` otherwise. A failing handler is retried
 * from the same position after a pause, so nothing is skipped.
 */
export class PollingSubscription implements Subscription {
  private current: number;
  private readonly loop: PollingLoop;

  constructor(
    private readonly read: (after: number, limit: number) => Promise<RecordedEvent[]>,
    notifier: AppendSignal,
    private readonly options: SubscribeOptions & { pollIntervalMs: number },
  ) {
    this.current = options.after;
    const batchSize = options.batchSize ?? 500;
    this.loop = new PollingLoop(
      async () => {
        const events = await this.read(this.current, batchSize);
        if (events.length > 0) {
          await this.options.handler(events);
          this.current = events.at(-1)!.globalPosition;
        }
        return events.length === batchSize ? 0 : options.pollIntervalMs;
      },
      { errorDelayMs: options.pollIntervalMs * 2, onError: options.onError, wakeOn: notifier },
    );
    this.loop.start();
  }

  get position(): number {
    return this.current;
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }
}
