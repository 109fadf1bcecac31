import { EventEmitter } from 'node:events';
import { Client, Pool } from 'pg';

const NOTIFY_INTERVAL_MS = 10;

/**
 * One LISTEN connection per process, shared by every subscription. Reconnects with
 * back-off when the connection drops; while it is down, subscriptions keep polling.
 */
export class PostgresEventNotifier {
  private readonly emitter = new EventEmitter();
  private client: Client | undefined;
  private connecting: Promise<void> | undefined;
  private closed = false;
  private listeners = 0;

  constructor(
    private readonly pool: Pool,
    private readonly channel: string,
  ) {
    this.emitter.setMaxListeners(0);
  }

  private busy = false;
  private sendAgain = false;

  /**
   * Tells every subscriber that events were committed: at once in this process, and through
   * NOTIFY for the others. Sent after COMMIT, at most once per `NOTIFY_INTERVAL_MS` (the last
   * publish of a burst is always sent): a NOTIFY inside each append transaction would
   * serialise commits, and one per append costs a fifth of the append rate.
   */
  publish(): void {
    this.emitter.emit('appended');
    if (this.busy) {
      this.sendAgain = true;
      return;
    }
    this.busy = true;
    void this.send();
  }

  private async send(): Promise<void> {
    do {
      this.sendAgain = false;
      // A NOTIFY gets a transaction id, so its COMMIT would wait for a WAL flush like an append's
      // (the setting in effect at commit decides): the wake-up is a hint, polling finds what a crash loses.
      await this.pool
        .query("SELECT set_config('synchronous_commit', 'off', true), pg_notify($1, '')", [this.channel])
        .catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, NOTIFY_INTERVAL_MS).unref());
    } while (this.sendAgain && !this.closed);
    this.busy = false;
  }

  /** Calls `wake` on each notification until the returned function is called. */
  onAppended(wake: () => void): () => void {
    this.emitter.on('appended', wake);
    this.listeners += 1;
    void this.ensureListening();
    return () => {
      this.emitter.off('appended', wake);
      this.listeners -= 1;
    };
  }

  private ensureListening(): Promise<void> {
    if (this.client || this.closed) return Promise.resolve();
    this.connecting ??= this.connect().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async connect(): Promise<void> {
    // The pool's owner has ended it: nothing more to listen to (never retry against a closed pool).
    if ((this.pool as { ended?: boolean }).ended) this.closed = true;
    if (this.closed) return;
    let client: Client | undefined;
    try {
      const listening = new Client(this.pool.options);
      client = listening;
      listening.on('notification', () => this.emitter.emit('appended'));
      listening.on('error', () => undefined);
      listening.on('end', () => {
        if (this.client === listening) this.client = undefined;
        if (!this.closed && this.listeners > 0) setTimeout(() => void this.ensureListening(), 1_000).unref();
      });
      await listening.connect();
      await listening.query(`LISTEN ${this.channel}`);
      if (this.closed) {
        await listening.end();
        return;
      }
      this.client = listening;
      // Something may have been appended while we were not listening.
      this.emitter.emit('appended');
    } catch {
      await client?.end().catch(() => undefined);
      if (!this.closed) setTimeout(() => void this.ensureListening(), 1_000).unref();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.connecting;
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }
}
