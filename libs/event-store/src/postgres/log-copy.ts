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
  // One JSON document parsed once server-side (as vigie_append takes its events): arrays of jsonb
  // made the client escape every document into an array literal, twice as slow for a copy.
  const { rowCount } = await client.query(
    `INSERT INTO events (global_position, stream_id, stream_version, event_id, event_type, schema_version, data, metadata, recorded_at)
     OVERRIDING SYSTEM VALUE
     SELECT p, s, v, e, t, sv, d, m, r
     FROM jsonb_to_recordset($1::jsonb) AS x(p bigint, s text, v int, e uuid, t text, sv smallint, d jsonb, m jsonb, r timestamptz)
     ON CONFLICT (event_id) DO NOTHING`,
    [
      JSON.stringify(
        events.map((event) => ({
          p: event.globalPosition,
          s: event.streamId,
          v: event.streamVersion,
          e: event.eventId,
          t: event.type,
          sv: event.schemaVersion,
          d: event.data,
          m: event.metadata,
          r: (event as Partial<CopiedEvent>).recordedAtExact ?? event.recordedAt,
        })),
      ),
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
