import type { Pool } from 'pg';
import { type Migration } from '@vigie/postgres';

export const STREAM_IDS_MIGRATION_ID = 'projections/008-stream-ids';

/**
 * One-time move of the streams written before stream ids were built by `compositeKey`
 * (libs/domain/src/identity/composite-key.ts). They joined identifiers with `-`, which
 * identifiers may contain: bailleur `lmh` with case `x-1` and bailleur `lmh-x` with case `1`
 * shared `attribution-lmh-x-1`. An old id therefore cannot be split reliably; the new id of
 * each event is computed from what the event itself records (its bailleur and case, its alert
 * subject), or, for the kinds whose old id was unambiguous (a single identifier, or one
 * followed by a year), from the old id.
 *
 * Chosen over an upcaster because an upcaster would have to keep guessing the owner of an
 * ambiguous stream at every read, for ever, in every reader (store, projections, relay,
 * access guard); the move is done once, under the migration lock, in one transaction, and is
 * logged: `stream_id_moves` keeps every (old id, new id, events) pair, and the start-up log
 * says how many streams moved. Events keep their global positions, ids, data and metadata;
 * stream versions are renumbered in position order within each new stream (a merged stream
 * splits in two). The read models keyed by stream id follow through the event ids.
 *
 * `vigie_key_part` is the SQL twin of `keyPart`: `%` → `%25`, `:` → `%3A`, `~` → `%7E`, null → `~`.
 */
export const streamIdsMigration: Migration = {
  id: STREAM_IDS_MIGRATION_ID,
  sql: `
    CREATE OR REPLACE FUNCTION vigie_key_part(p text) RETURNS text LANGUAGE sql IMMUTABLE AS $fn$
      SELECT CASE WHEN p IS NULL THEN '~' ELSE replace(replace(replace(p, '%', '%25'), ':', '%3A'), '~', '%7E') END
    $fn$;

    CREATE TABLE stream_id_moves (
      old_stream_id text        NOT NULL,
      new_stream_id text        NOT NULL,
      events        integer     NOT NULL,
      moved_at      timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (old_stream_id, new_stream_id)
    );

    -- The convention's parties, read from the event that signed it (a convention's id is now in
    -- the namespace of its bailleur and réservataire).
    CREATE TEMP TABLE convention_parties ON COMMIT DROP AS
      SELECT DISTINCT ON (stream_id) stream_id, data->>'bailleurId' AS bailleur_id, data->>'reservataireId' AS reservataire_id
      FROM events WHERE stream_id LIKE 'reservation-%' AND event_type = 'ReservationConventionSigned'
      ORDER BY stream_id, global_position;

    CREATE TEMP TABLE moved ON COMMIT DROP AS
      SELECT e.global_position, e.stream_id AS old_id,
        CASE
          WHEN e.stream_id LIKE 'attribution-%' THEN
            'attribution:' || vigie_key_part(coalesce(e.data->>'bailleurId', e.data->'lease'->>'bailleurId'))
                     || ':' || vigie_key_part(coalesce(e.data->>'caseId', e.data->'lease'->>'caseId'))
          WHEN e.stream_id LIKE 'cia-%' THEN 'cia:' || vigie_key_part(substr(e.stream_id, 5))
          WHEN e.stream_id LIKE 'reservation-%' THEN
            'reservation:' || vigie_key_part(p.bailleur_id) || ':' || vigie_key_part(p.reservataire_id)
                     || ':' || vigie_key_part(substr(e.stream_id, 13))
          WHEN e.stream_id ~ '^(flux|bilan)-.+-[0-9]{4}$' THEN
            substring(e.stream_id FROM '^([a-z]+)-') || ':' || vigie_key_part(substring(e.stream_id FROM '^[a-z]+-(.+)-[0-9]{4}$'))
                     || ':' || substring(e.stream_id FROM '([0-9]{4})$')
          WHEN e.stream_id ~ '^referential-(epci|qpv|bailleur|reservataire)-' THEN
            'referential:' || substring(e.stream_id FROM '^referential-([a-z]+)-')
                     || ':' || vigie_key_part(substring(e.stream_id FROM '^referential-[a-z]+-(.*)$'))
          WHEN e.stream_id LIKE 'alert-%' THEN
            'alert:' || vigie_key_part(e.data->>'epciSiren') || ':' || (e.data->>'year') || ':' || vigie_key_part(e.data->>'rule')
                     || ':' || vigie_key_part(e.data->>'objective') || ':' || vigie_key_part(e.data->'scope'->>'kind')
                     || ':' || vigie_key_part(e.data->'scope'->>'id')
        END AS new_id
      FROM events e LEFT JOIN convention_parties p ON p.stream_id = e.stream_id
      WHERE e.stream_id ~ '^(attribution|cia|reservation|flux|bilan|referential|alert)-';

    ${moveStreamsSql('moved', 'stream ids: % events of an unknown shape')}

    UPDATE lease_facts f SET stream_id = e.stream_id FROM events e
     WHERE e.event_id = f.event_id AND f.stream_id <> e.stream_id;
    UPDATE alerts a SET stream_id = e.stream_id FROM events e
     WHERE e.event_id = a.event_id AND a.stream_id <> e.stream_id;
  `,
};

/** What the move did, for the start-up log: streams and events moved (0 on a new database). */
export async function streamIdMoves(pool: Pool): Promise<{ streams: number; events: number; merged: number }> {
  const { rows } = await pool.query<{ streams: string; events: string; merged: string }>(
    `SELECT count(DISTINCT old_stream_id) AS streams, coalesce(sum(events), 0) AS events,
            count(*) - count(DISTINCT old_stream_id) AS merged
       FROM stream_id_moves`,
  );
  const row = rows[0]!;
  return { streams: Number(row.streams), events: Number(row.events), merged: Number(row.merged) };
} /**
 * The SQL that moves events to new stream ids, from a temporary table `moves` of (global_position,
 * old_id, new_id): refuses the whole migration when an event got no new id (`refusal`: the message,
 * with % for the count), records each move in stream_id_moves, renumbers versions in position order
 * within each new stream and rebuilds the streams' versions. Positions, ids, data and metadata stay.
 */
export function moveStreamsSql(moves: string, refusal: string): string {
  return `
    DO $check$
    BEGIN
      IF EXISTS (SELECT 1 FROM ${moves} WHERE new_id IS NULL) THEN
        RAISE EXCEPTION '${refusal}, first in stream %',
          (SELECT count(*) FROM ${moves} WHERE new_id IS NULL), (SELECT old_id FROM ${moves} WHERE new_id IS NULL LIMIT 1);
      END IF;
    END
    $check$;

    INSERT INTO stream_id_moves (old_stream_id, new_stream_id, events)
      SELECT old_id, new_id, count(*) FROM ${moves} GROUP BY old_id, new_id;

    UPDATE events e
       SET stream_id = m.new_id, stream_version = m.version
      FROM (SELECT global_position, new_id, row_number() OVER (PARTITION BY new_id ORDER BY global_position) AS version
              FROM ${moves}) m
     WHERE e.global_position = m.global_position;

    DELETE FROM streams WHERE stream_id IN (SELECT old_id FROM ${moves});
    INSERT INTO streams (stream_id, version) SELECT new_id, count(*) FROM ${moves} GROUP BY new_id;`;
}
