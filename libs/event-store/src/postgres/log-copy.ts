import { type PoolClient } from 'pg';
import { type RecordedEvent } from '../event-store.port.js';
import { type CopiedEvent } from '../copy-event-log.js';

/**
 * Writes events recorded elsewhere into a PostgreSQL `events` table as they are: same global
 * positions, event ids, stream versions, metadata and recording times (the identity column is
 * overridden), and moves each stream's version. Events already there (same event id) are left
 * as they are, so a batch applied twice writes nothing twice. Used by the log mirror (the read
 * side's copy of a KurrentDB log) and by the store-to-store copy tool.
 * Must run inside the caller's transaction, in position order. An event that carries its
 * recording time as text (CopiedEvent) keeps its microseconds, which a Date drops.
 */
export async function copyIntoEventsTable(client: PoolClient, events: readonly RecordedEvent[]): Promise<number> {
  if (events.length === 0) return 0;
  const { rowCount } = await client.query(
    `INSERT INTO events (global_position, stream_id, stream_version, event_id, event_type, schema_version, data, metadata, recorded_at)
     OVERRIDING SYSTEM VALUE
     SELECT * FROM unnest($1::bigint[], $2::text[], $3::int[], $4::uuid[], $5::text[], $6::smallint[], $7::jsonb[], $8::jsonb[], $9::timestamptz[])
     ON CONFLICT (event_id) DO NOTHING`,
    [
      events.map((event) => event.globalPosition),
      events.map((event) => event.streamId),
      events.map((event) => event.streamVersion),
      events.map((event) => event.eventId),
      events.map((event) => event.type),
      events.map((event) => event.schemaVersion),
      events.map((event) => JSON.stringify(event.data)),
      events.map((event) => JSON.stringify(event.metadata)),
      events.map((event) => (event as Partial<CopiedEvent>).recordedAtExact ?? event.recordedAt),
    ],
  );
  const versions = new Map<string, number>();
  for (const event of events) versions.set(event.streamId, Math.max(versions.get(event.streamId) ?? 0, event.streamVersion));
  await client.query(
    `INSERT INTO streams AS s (stream_id, version) SELECT * FROM unnest($1::text[], $2::int[])
     ON CONFLICT (stream_id) DO UPDATE SET version = greatest(s.version, excluded.version)`,
    [[...versions.keys()], [...versions.values()]],
  );
  return rowCount ?? 0;
}
