import { type PoolClient } from 'pg';
import { copyIntoEventsTable, type RecordedEvent } from '@vigie/event-store';
import { type Projection } from './projection.js';

/**
 * With the log in KurrentDB (EVENT_STORE=kurrentdb), the read side keeps a copy of it in
 * PostgreSQL's `events` table, fed through the EventStore port like any subscriber (its runner
 * reads `store.readAll` after its checkpoint and commits the copy with it). Every other
 * projection, the alert monitor and the Kafka relay then read that copy after their own
 * checkpoints, so the PostgreSQL fast paths (lease versions copied server-side into
 * `lease_facts`, the lease summary counted in one statement) work unchanged for both stores.
 * The copy is a read model: it is never appended to, and it can be dropped and fed again.
 */
export class LogMirrorProjection implements Projection {
  readonly name = 'log_mirror';
  readonly tables = ['events'];

  async createTables(): Promise<void> {
    // The events table belongs to the event-store migrations.
  }

  async apply(client: PoolClient, events: readonly RecordedEvent[]): Promise<void> {
    await copyIntoEventsTable(client, events);
  }
}
