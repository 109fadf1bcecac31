import { type RecordedEvent, type SubscribeOptions, type Subscription } from '../event-store.port.js';
import { WakeSignal } from '../wake-signal.js';
import { PostgresEventNotifier } from './postgres-event-notifier.js';

/**
 * Reads after its position in batches and hands each batch to the handler, in position order.
 * Woken by notifications; polls at `pollIntervalMs` otherwise. A failing handler is retried
 * from the same position after a pause, so nothing is skipped.
 */
export class PollingSubscription implements Subscription {
  private current: number;
  private stopped = false;
  private readonly signal = new WakeSignal();
  private readonly done: Promise<void>;
  private readonly unlisten: () => void;

  constructor(
    private readonly read: (after: number, limit: number) => Promise<RecordedEvent[]>,
    notifier: PostgresEventNotifier,
    private readonly options: SubscribeOptions & { pollIntervalMs: number },
  ) {
    this.current = options.after;
    this.unlisten = notifier.onAppended(() => this.signal.wake());
    this.done = this.run();
  }

  get position(): number {
    return this.current;
  }

  private async run(): Promise<void> {
    const batchSize = this.options.batchSize ?? 500;
    while (!this.stopped) {
      try {
        const events = await this.read(this.current, batchSize);
        if (events.length > 0) {
          await this.options.handler(events);
          this.current = events.at(-1)!.globalPosition;
          if (events.length === batchSize) continue;
        }
        await this.signal.wait(this.options.pollIntervalMs);
      } catch (error) {
        this.options.onError?.(error);
        await this.signal.wait(this.options.pollIntervalMs * 2);
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unlisten();
    this.signal.wake();
    await this.done;
  }
}
