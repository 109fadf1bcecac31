import { type Migration } from '@vigie/postgres';

export const EVENTS_CHANNEL = 'vigie_events';

/** Session advisory lock that orders appends: see APPEND_FUNCTION and readAllWith. */
export const APPEND_ORDER_LOCK = 7_355_602;

/**
 * vigie_append: the whole append in one statement, run server-side so that the ordering lock
 * is never held across a client round trip. It takes the lock before the transaction has an
 * xid, raises each stream's version by its event count, inserts the events numbered from the
 * previous version in request order, and releases the lock (before COMMIT, so commits and
 * their fsync still overlap). Only then does it check that each stream's previous version is
 * the expected one, else raises VG001 and the transaction rolls back. p_expected: -1 any,
 * 0 no stream, n exactly n events.
 *
 * An event id already recorded raises VG002 before the lock is taken (an index probe per event,
 * outside the ordering): the events go in by a plain INSERT, where ON CONFLICT DO NOTHING made
 * every row a speculative insertion (one more index probe and one more WAL record each) under the
 * lock. An id recorded meanwhile by a transaction still running, or named twice in the request,
 * fails the INSERT itself (unique_violation on events_event_id_key) with the lock still held: the
 * client releases it (pg_advisory_unlock_all) as after any failure between lock and unlock.
 *
 * The events come as one JSON array of {k: index of the event's stream in p_streams from 1,
 * i: index in its stream's append from 1, e: event id, t: type, v: schema version, d: data,
 * m: metadata}: one JSON text parsed once. With the stream's index each event finds its stream's
 * new version by array subscript, in document order: no join and no sort of the events (which
 * carried their data through both). It answers one row: each stream's version after the append
 * (in p_streams order) and each event's position (in request order: the identity column numbers
 * rows in insertion order, which is the document's).
 */
const APPEND_FUNCTION = `
  CREATE OR REPLACE FUNCTION vigie_append(p_events jsonb, p_streams text[], p_counts int[], p_expected int[])
  RETURNS TABLE (versions int[], positions bigint[]) LANGUAGE plpgsql AS $fn$
  DECLARE
    v_versions int[];
    v_positions bigint[];
    v_stale record;
    v_duplicate uuid;
  BEGIN
    SELECT x.e INTO v_duplicate FROM jsonb_to_recordset(p_events) AS x(e uuid)
      WHERE EXISTS (SELECT 1 FROM events ev WHERE ev.event_id = x.e) LIMIT 1;
    IF FOUND THEN
      RAISE EXCEPTION USING ERRCODE = 'VG002', MESSAGE = 'event id already recorded', DETAIL = v_duplicate::text;
    END IF;

    PERFORM pg_advisory_lock(${APPEND_ORDER_LOCK});
    WITH bumped AS (
      INSERT INTO streams AS s (stream_id, version) SELECT * FROM unnest(p_streams, p_counts)
      ON CONFLICT (stream_id) DO UPDATE SET version = s.version + excluded.version
      RETURNING s.stream_id, s.version
    )
    SELECT array_agg(b.version ORDER BY c.ord) INTO v_versions
      FROM bumped b JOIN unnest(p_streams) WITH ORDINALITY AS c(stream_id, ord) ON c.stream_id = b.stream_id;
    WITH inserted AS (
      INSERT INTO events (stream_id, stream_version, event_id, event_type, schema_version, data, metadata)
      SELECT p_streams[u.k], v_versions[u.k] - p_counts[u.k] + u.i, u.e, u.t, u.v, u.d, u.m
      FROM jsonb_to_recordset(p_events) AS u(k int, i int, e uuid, t text, v int2, d jsonb, m jsonb)
      RETURNING global_position
    )
    SELECT array_agg(global_position ORDER BY global_position) INTO v_positions FROM inserted;
    PERFORM pg_advisory_unlock(${APPEND_ORDER_LOCK});

    SELECT c.stream_id, c.expected, c.version - c.n AS actual INTO v_stale
      FROM unnest(p_streams, p_counts, p_expected, v_versions) AS c(stream_id, n, expected, version)
      WHERE c.expected >= 0 AND c.expected <> c.version - c.n
      LIMIT 1;
    IF FOUND THEN
      RAISE EXCEPTION USING ERRCODE = 'VG001', MESSAGE = 'wrong expected version',
        DETAIL = json_build_object('streamId', v_stale.stream_id, 'expected', v_stale.expected, 'actual', v_stale.actual)::text;
    END IF;
    RETURN QUERY SELECT v_versions, v_positions;
  END
  $fn$;
`;

/**
 * vigie_append as migration 004 created it, kept as it ran: replaced by APPEND_FUNCTION in 005.
 */
const APPEND_FUNCTION_V2 = `
  CREATE OR REPLACE FUNCTION vigie_append(p_events jsonb, p_streams text[], p_counts int[], p_expected int[])
  RETURNS TABLE (versions int[], positions bigint[]) LANGUAGE plpgsql AS $fn$
  DECLARE
    v_versions int[];
    v_positions bigint[];
    v_inserted int;
    v_stale record;
    v_duplicate uuid;
  BEGIN
    PERFORM pg_advisory_lock(${APPEND_ORDER_LOCK});
    WITH counts AS (
      SELECT * FROM unnest(p_streams, p_counts) WITH ORDINALITY AS c(stream_id, n, ord)
    ), bumped AS (
      INSERT INTO streams AS s (stream_id, version) SELECT c.stream_id, c.n FROM counts c
      ON CONFLICT (stream_id) DO UPDATE SET version = s.version + excluded.version
      RETURNING s.stream_id, s.version
    ), input AS (
      SELECT * FROM ROWS FROM (
        jsonb_to_recordset(p_events) AS (s text, i int, e uuid, t text, v int2, d jsonb, m jsonb)
      ) WITH ORDINALITY AS u(stream_id, idx, event_id, event_type, schema_version, data, metadata, ord)
    ), inserted AS (
      INSERT INTO events (stream_id, stream_version, event_id, event_type, schema_version, data, metadata)
      SELECT i.stream_id, b.version - c.n + i.idx, i.event_id, i.event_type, i.schema_version, i.data, i.metadata
      FROM input i JOIN bumped b ON b.stream_id = i.stream_id JOIN counts c ON c.stream_id = i.stream_id
      ORDER BY i.ord
      ON CONFLICT (event_id) DO NOTHING
      RETURNING events.event_id, events.global_position
    )
    SELECT (SELECT array_agg(b.version ORDER BY c.ord) FROM bumped b JOIN counts c ON c.stream_id = b.stream_id),
           (SELECT array_agg(n.global_position ORDER BY i.ord) FROM inserted n JOIN input i ON i.event_id = n.event_id),
           (SELECT count(*) FROM inserted)
      INTO v_versions, v_positions, v_inserted;
    PERFORM pg_advisory_unlock(${APPEND_ORDER_LOCK});

    SELECT c.stream_id, c.expected, c.version - c.n AS actual INTO v_stale
      FROM unnest(p_streams, p_counts, p_expected, v_versions) AS c(stream_id, n, expected, version)
      WHERE c.expected >= 0 AND c.expected <> c.version - c.n
      LIMIT 1;
    IF FOUND THEN
      RAISE EXCEPTION USING ERRCODE = 'VG001', MESSAGE = 'wrong expected version',
        DETAIL = json_build_object('streamId', v_stale.stream_id, 'expected', v_stale.expected, 'actual', v_stale.actual)::text;
    END IF;
    IF v_inserted <> jsonb_array_length(p_events) THEN
      -- An id recorded by an earlier transaction, else one the request names twice.
      SELECT x.e INTO v_duplicate FROM jsonb_to_recordset(p_events) AS x(e uuid)
        WHERE EXISTS (SELECT 1 FROM events ev WHERE ev.event_id = x.e AND ev.tx_id <> pg_current_xact_id()) LIMIT 1;
      IF v_duplicate IS NULL THEN
        SELECT x.e INTO v_duplicate FROM jsonb_to_recordset(p_events) AS x(e uuid) GROUP BY x.e HAVING count(*) > 1 LIMIT 1;
      END IF;
      RAISE EXCEPTION USING ERRCODE = 'VG002', MESSAGE = 'event id already recorded', DETAIL = v_duplicate::text;
    END IF;
    RETURN QUERY SELECT v_versions, v_positions;
  END
  $fn$;
`;

/**
 * vigie_append as first released (migration 003), kept as it ran: replaced by APPEND_FUNCTION_V2 in 004.
 */
const APPEND_FUNCTION_V1 = `
  CREATE OR REPLACE FUNCTION vigie_append(
    p_stream_ids text[], p_indexes int[], p_event_ids uuid[], p_types text[], p_schema_versions int2[],
    p_data jsonb[], p_metadata jsonb[], p_streams text[], p_counts int[], p_expected int[]
  ) RETURNS TABLE (kind text, id text, value bigint) LANGUAGE plpgsql AS $fn$
  DECLARE
    v_stream_ids text[];
    v_versions int[];
    v_event_ids uuid[];
    v_positions bigint[];
    v_stale record;
    v_missing uuid;
  BEGIN
    PERFORM pg_advisory_lock(${APPEND_ORDER_LOCK});
    WITH input AS (
      SELECT * FROM unnest(p_stream_ids, p_indexes, p_event_ids, p_types, p_schema_versions, p_data, p_metadata)
        WITH ORDINALITY AS u(stream_id, idx, event_id, event_type, schema_version, data, metadata, ord)
    ), counts AS (
      SELECT * FROM unnest(p_streams, p_counts) AS c(stream_id, n)
    ), bumped AS (
      INSERT INTO streams AS s (stream_id, version) SELECT c.stream_id, c.n FROM counts c
      ON CONFLICT (stream_id) DO UPDATE SET version = s.version + excluded.version
      RETURNING s.stream_id, s.version
    ), inserted AS (
      INSERT INTO events (stream_id, stream_version, event_id, event_type, schema_version, data, metadata)
      SELECT i.stream_id, b.version - c.n + i.idx, i.event_id, i.event_type, i.schema_version, i.data, i.metadata
      FROM input i JOIN bumped b ON b.stream_id = i.stream_id JOIN counts c ON c.stream_id = i.stream_id
      ORDER BY i.ord
      ON CONFLICT (event_id) DO NOTHING
      RETURNING events.event_id, events.global_position
    )
    SELECT (SELECT array_agg(b.stream_id ORDER BY b.stream_id) FROM bumped b),
           (SELECT array_agg(b.version ORDER BY b.stream_id) FROM bumped b),
           (SELECT array_agg(n.event_id ORDER BY n.global_position) FROM inserted n),
           (SELECT array_agg(n.global_position ORDER BY n.global_position) FROM inserted n)
      INTO v_stream_ids, v_versions, v_event_ids, v_positions;
    PERFORM pg_advisory_unlock(${APPEND_ORDER_LOCK});

    SELECT c.stream_id, c.expected, b.version - c.n AS actual INTO v_stale
      FROM unnest(p_streams, p_counts, p_expected) AS c(stream_id, n, expected)
      JOIN unnest(v_stream_ids, v_versions) AS b(stream_id, version) ON b.stream_id = c.stream_id
      WHERE c.expected >= 0 AND c.expected <> b.version - c.n
      LIMIT 1;
    IF FOUND THEN
      RAISE EXCEPTION USING ERRCODE = 'VG001', MESSAGE = 'wrong expected version',
        DETAIL = json_build_object('streamId', v_stale.stream_id, 'expected', v_stale.expected, 'actual', v_stale.actual)::text;
    END IF;
    IF coalesce(array_length(v_event_ids, 1), 0) <> coalesce(array_length(p_event_ids, 1), 0) THEN
      SELECT e INTO v_missing FROM unnest(p_event_ids) AS e WHERE e <> ALL (coalesce(v_event_ids, '{}')) LIMIT 1;
      RAISE EXCEPTION USING ERRCODE = 'VG002', MESSAGE = 'event id already recorded', DETAIL = v_missing::text;
    END IF;
    RETURN QUERY
      SELECT 'v'::text, x.stream_id, x.version::bigint FROM unnest(v_stream_ids, v_versions) AS x(stream_id, version)
      UNION ALL
      SELECT 'e'::text, y.event_id::text, y.global_position FROM unnest(v_event_ids, v_positions) AS y(event_id, global_position);
  END
  $fn$;
`;

export const eventStoreMigrations: Migration[] = [
  {
    id: 'event-store/001-events',
    sql: `
      CREATE TABLE events (
        global_position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        stream_id       text        NOT NULL,
        stream_version  integer     NOT NULL,
        event_id        uuid        NOT NULL UNIQUE,
        event_type      text        NOT NULL,
        schema_version  smallint    NOT NULL,
        data            jsonb       NOT NULL,
        metadata        jsonb       NOT NULL,
        recorded_at     timestamptz NOT NULL DEFAULT now(),
        tx_id           xid8        NOT NULL DEFAULT pg_current_xact_id(),
        UNIQUE (stream_id, stream_version)
      );
      CREATE TABLE streams (
        stream_id text    PRIMARY KEY,
        version   integer NOT NULL
      );
    `,
  },
  {
    // Where each subscriber of the global log (projection, relay) stands.
    id: 'event-store/002-checkpoints',
    sql: `
      CREATE TABLE checkpoints (
        name          text        PRIMARY KEY,
        position      bigint      NOT NULL DEFAULT 0,
        last_event_at timestamptz,
        updated_at    timestamptz NOT NULL DEFAULT now()
      );
    `,
  },
  { id: 'event-store/003-append-function', sql: APPEND_FUNCTION_V1 },
  {
    // Events as one JSON document instead of arrays of jsonb; one answer row instead of one per stream and event.
    id: 'event-store/004-append-json',
    sql: `DROP FUNCTION vigie_append(text[], int[], uuid[], text[], int2[], jsonb[], jsonb[], text[], int[], int[]);
      ${APPEND_FUNCTION_V2}`,
  },
  {
    // Each event names its stream by index (no join, no sort); a plain INSERT after a duplicate check outside the lock.
    id: 'event-store/005-append-set-based',
    sql: APPEND_FUNCTION,
  },
];
