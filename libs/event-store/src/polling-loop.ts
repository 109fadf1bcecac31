import { WakeSignal } from './wake-signal.js';

/** Tells a reader that events were appended (any process): it reads again at once instead of waiting for its next poll. */
export interface AppendSignal {
  onAppended(wake: () => void): () => void;
}

/**
 * The loop every log subscriber runs (projection runner, Kafka relay, alert monitor): one
 * step at a time until stopped; a step says how long to rest before the next one (0: go on
 * at once), a wake-up cuts the rest short, and a failing step is retried after `errorDelayMs`.
 */
export class PollingLoop {
  private stopped = true;
  private loop: Promise<void> | undefined;
  private readonly signal = new WakeSignal();
  private unlisten: (() => void) | undefined;

  constructor(
    private readonly step: () => Promise<number>,
    private readonly options: {
      readonly errorDelayMs: number;
      readonly onError?: (error: unknown) => void;
      /** Wakes the loop on each committed append (LISTEN/NOTIFY), while it runs. */
      readonly wakeOn?: AppendSignal;
    },
  ) {}

  get running(): boolean {
    return !this.stopped;
  }

  wake(): void {
    this.signal.wake();
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.unlisten = this.options.wakeOn?.onAppended(() => this.signal.wake());
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unlisten?.();
    this.unlisten = undefined;
    this.signal.wake();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      let rest: number;
      try {
        rest = await this.step();
      } catch (error) {
        this.options.onError?.(error);
        rest = this.options.errorDelayMs;
      }
      if (rest > 0 && !this.stopped) await this.signal.wait(rest);
    }
  }
}
