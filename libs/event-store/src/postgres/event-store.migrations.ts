import { type Migration } from '@vigie/postgres';

export const EVENTS_CHANNEL = 'vigie_events';

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
];
