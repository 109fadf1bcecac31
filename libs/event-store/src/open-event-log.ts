import { type Pool } from 'pg';
import { type EventStore } from './event-store.port.js';
import { KurrentDBEventStore } from './kurrentdb/kurrentdb-event-store.js';
import { mirrorConditionReads } from './kurrentdb/kurrentdb-condition-reads.js';
import { EVENTS_CHANNEL } from './postgres/event-store.migrations.js';
import { PostgresEventNotifier } from './postgres/postgres-event-notifier.js';
import { PostgresEventStore } from './postgres/postgres-event-store.js';

export interface EventLogChoice {
  readonly kind: 'postgres' | 'kurrentdb';
  /** Required for `kurrentdb`: `kurrentdb://host:2113?tls=false`, `kurrentdb+discover://…`. */
  readonly kurrentdbUrl?: string;
  readonly streamPrefix?: string;
  readonly pollIntervalMs?: number;
}

export interface EventLog {
  /** The log, through its port: commands append and read here. */
  readonly store: EventStore & { close(): Promise<void> };
  /**
   * With the log outside PostgreSQL: the store the read side's mirror copies from
   * (LogMirrorProjection in libs/projections). Undefined when the log is the events table itself.
   */
  readonly logStore: KurrentDBEventStore | undefined;
  /** Wakes the readers of PostgreSQL's events table (the log, or its mirror) in every process. */
  readonly notifier: PostgresEventNotifier;
  readonly kind: EventLogChoice['kind'];
  /** Where the log is, without credentials (for /health and the logs). */
  readonly description: string;
  close(): Promise<void>;
}

/**
 * Opens the event log an operator chose (EVENT_STORE). PostgreSQL: the events table of the
 * database the read models live in. KurrentDB: the log lives there; the read models stay in
 * PostgreSQL, fed from a mirror of the log in its events table.
 */
export function openEventLog(pool: Pool, choice: EventLogChoice): EventLog {
  if (choice.kind === 'kurrentdb') {
    if (!choice.kurrentdbUrl) throw new Error('KURRENTDB_URL is required with EVENT_STORE=kurrentdb');
    const logStore = KurrentDBEventStore.connect(choice.kurrentdbUrl, {
      streamPrefix: choice.streamPrefix,
      pollIntervalMs: choice.pollIntervalMs,
      conditionReads: mirrorConditionReads(pool),
    });
    const notifier = new PostgresEventNotifier(pool, EVENTS_CHANNEL);
    return {
      store: logStore,
      logStore,
      notifier,
      kind: 'kurrentdb',
      description: `KurrentDB ${hostsOf(choice.kurrentdbUrl)} (streams ${choice.streamPrefix ?? 'vigie'}-*)`,
      async close() {
        await logStore.close();
        await notifier.close();
      },
    };
  }
  const store = new PostgresEventStore(pool, { pollIntervalMs: choice.pollIntervalMs });
  return {
    store,
    logStore: undefined,
    notifier: store.notifications,
    kind: 'postgres',
    description: 'PostgreSQL (table events)',
    close: () => store.close(),
  };
}

/** Host(s) and port(s) of a KurrentDB connection string, without credentials or options. */
export function hostsOf(connectionString: string): string {
  const afterScheme = connectionString.slice(connectionString.indexOf('://') + 3);
  return afterScheme.slice(afterScheme.lastIndexOf('@', afterScheme.search(/[/?]|$/)) + 1).split(/[/?]/)[0] ?? '';
}
