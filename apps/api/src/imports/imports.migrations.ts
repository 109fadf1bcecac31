import type { Migration } from '@vigie/postgres';

/** Bulk imports are operations, not facts: their progress and report live here; the rows become events. */
export const importMigrations: Migration[] = [
  {
    id: 'api/001-imports',
    sql: `
      CREATE TABLE imports (
        id          uuid        PRIMARY KEY,
        format      text        NOT NULL,
        status      text        NOT NULL,
        actor       text        NOT NULL,
        started_at  timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz,
        report      jsonb       NOT NULL
      );
    `,
  },
  {
    id: 'api/002-import-owner',
    sql: `
      ALTER TABLE imports ADD COLUMN owner_role text, ADD COLUMN owner_tenant text;
    `,
  },
];
