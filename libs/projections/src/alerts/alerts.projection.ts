import type { PoolClient } from 'pg';
import { alertParties, parisTimestamp, reservationStreamId, type AlertEvent, type AlertParties } from '@vigie/domain';
import type { RecordedEvent } from '@vigie/event-store';
import type { Projection } from '../projection.js';

/** One row per alert stream: its last state, for GET /v1/alerts. */
export function alertsTableDdl(suffix = ''): string {
  return `
    CREATE TABLE IF NOT EXISTS alerts${suffix} (
      stream_id   text        NOT NULL,
      status      text        NOT NULL,
      epci_siren  text,
      year        integer     NOT NULL,
      rule        text        NOT NULL,
      objective   text        NOT NULL,
      scope_kind  text        NOT NULL,
      scope_id    text        NOT NULL,
      raised_at   timestamptz,
      resolved_at timestamptz,
      position    bigint      NOT NULL,
      event_id    uuid        NOT NULL,
      alert       jsonb       NOT NULL,
      ${alertPartiesColumns()},
      CONSTRAINT alerts${suffix}_pkey PRIMARY KEY (stream_id)
    );
    CREATE INDEX IF NOT EXISTS alerts${suffix}_epci ON alerts${suffix} (epci_siren, status);
  `;
}

/** The organisations an alert is about besides its EPCI (see alertParties), each listing it. */
const PARTY_COLUMNS = ['party_departements', 'party_bailleurs', 'party_reservataires'] as const;

const partyColumn = (column: string) => `${column} text[] NOT NULL DEFAULT '{}'`;

function alertPartiesColumns(): string {
  return PARTY_COLUMNS.map(partyColumn).join(', ');
}

/**
 * The parties columns, added to the alerts recorded before them: the projection starts again from
 * the beginning of the log (its rows are written again, each with its parties).
 */
export const alertPartiesMigration = {
  id: 'projections/012-alert-parties',
  sql: `ALTER TABLE alerts ${PARTY_COLUMNS.map((column) => `ADD COLUMN IF NOT EXISTS ${partyColumn(column)}`).join(', ')};
    TRUNCATE alerts; UPDATE checkpoints SET position = 0, last_event_at = NULL WHERE name = 'alerts';`,
};

/**
 * The département a convention's signature recorded: an alert raised before alerts named their
 * convention's département gets it from there (null for a convention never signed).
 */
async function signedDepartement(client: PoolClient, scopeId: string): Promise<string | null> {
  const [bailleurId = '', reservataireId = '', conventionId = ''] = scopeId.split(':');
  const { rows } = await client.query<{ departement: string | null }>(
    `SELECT data->>'departement' AS departement FROM events
     WHERE stream_id = $1 AND event_type = 'ReservationConventionSigned' ORDER BY stream_version LIMIT 1`,
    [reservationStreamId({ bailleurId, reservataireId, conventionId })],
  );
  return rows[0]?.departement ?? null;
}

export class AlertsProjection implements Projection {
  readonly name: string;
  readonly dataOf = ['AlertRaised', 'AlertResolved'];

  constructor(private readonly suffix = '') {
    this.name = `alerts${suffix}`;
  }

  get tables(): string[] {
    return [`alerts${this.suffix}`];
  }

  async createTables(client: PoolClient): Promise<void> {
    await client.query(alertsTableDdl(this.suffix));
  }

  async apply(client: PoolClient, events: readonly RecordedEvent[]): Promise<void> {
    for (const event of events) {
      if (event.type !== 'AlertRaised' && event.type !== 'AlertResolved') continue;
      const alert = { type: event.type, data: event.data } as AlertEvent;
      const { data } = alert;
      const raised = alert.type === 'AlertRaised';
      const convention = data.scope.kind === 'convention' && !data.departement;
      const parties = alertParties(data, convention ? await signedDepartement(client, data.scope.id) : null);
      await client.query(
        `INSERT INTO alerts${this.suffix} (stream_id, status, epci_siren, year, rule, objective, scope_kind, scope_id, raised_at, resolved_at, position, event_id, alert,
           party_departements, party_bailleurs, party_reservataires)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
         ON CONFLICT (stream_id) DO UPDATE SET
           status = excluded.status, raised_at = coalesce(excluded.raised_at, alerts${this.suffix}.raised_at),
           resolved_at = excluded.resolved_at, position = excluded.position, event_id = excluded.event_id, alert = excluded.alert,
           party_departements = excluded.party_departements, party_bailleurs = excluded.party_bailleurs,
           party_reservataires = excluded.party_reservataires`,
        [
          event.streamId,
          raised ? 'ouverte' : 'resolue',
          data.epciSiren,
          data.year,
          data.rule,
          data.objective,
          data.scope.kind,
          data.scope.id,
          raised ? alert.data.raisedAt : null,
          raised ? null : (alert.data as { resolvedAt: string }).resolvedAt,
          event.globalPosition,
          event.eventId,
          JSON.stringify(data),
          parties.departements,
          parties.bailleurs,
          parties.reservataires,
        ],
      );
    }
  }
}

export interface AlertRow {
  readonly alertId: string;
  readonly status: 'ouverte' | 'resolue';
  readonly rule: string;
  readonly objective: string;
  readonly epciSiren: string;
  readonly year: number;
  readonly scope: { readonly kind: string; readonly id: string };
  readonly raisedAt: string | null;
  readonly resolvedAt: string | null;
  readonly position: number;
  readonly eventId: string;
  readonly measure: unknown;
  readonly evidence: unknown;
  readonly parties: AlertParties;
}

/**
 * Whose alerts a listing is restricted to (an access restriction): an EPCI's, those naming a
 * bailleur or a réservataire as a party, or the État's of a département (its EPCIs' and the
 * conventions there).
 */
export type AlertAudience =
  | { readonly kind: 'epci'; readonly id: string }
  | { readonly kind: 'bailleur' | 'reservataire'; readonly id: string }
  | { readonly kind: 'departement'; readonly id: string; readonly epciSirens: readonly string[] };

export async function listAlerts(
  pool: { query: PoolClient['query'] },
  filter: {
    epciSiren?: string;
    audience?: AlertAudience;
    status?: 'ouverte' | 'resolue';
    rule?: string;
    scopeKind?: string;
    scopeId?: string;
  },
): Promise<AlertRow[]> {
  const { rows } = await pool.query(
    `SELECT * FROM alerts
     WHERE ($1::text IS NULL OR epci_siren = $1) AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR rule = $3)
       AND ($4::text IS NULL OR scope_kind = $4) AND ($5::text IS NULL OR scope_id = $5)
       AND ($6::text IS NULL
            OR ($6 = 'epci' AND epci_siren = $7)
            OR ($6 = 'bailleur' AND $7 = ANY(party_bailleurs))
            OR ($6 = 'reservataire' AND $7 = ANY(party_reservataires))
            OR ($6 = 'departement' AND (epci_siren = ANY($8) OR $7 = ANY(party_departements))))
     ORDER BY position DESC LIMIT 1000`,
    [
      filter.epciSiren ?? null,
      filter.status ?? null,
      filter.rule ?? null,
      filter.scopeKind ?? null,
      filter.scopeId ?? null,
      filter.audience?.kind ?? null,
      filter.audience?.id ?? null,
      filter.audience?.kind === 'departement' ? filter.audience.epciSirens : [],
    ],
  );
  return rows.map((row) => ({
    alertId: row.stream_id,
    status: row.status,
    rule: row.rule,
    objective: row.objective,
    epciSiren: row.epci_siren,
    year: row.year,
    scope: { kind: row.scope_kind, id: row.scope_id },
    raisedAt: row.raised_at ? parisTimestamp(row.raised_at) : null,
    resolvedAt: row.resolved_at ? parisTimestamp(row.resolved_at) : null,
    position: Number(row.position),
    eventId: row.event_id,
    measure: row.alert.measure,
    evidence: row.alert.evidence,
    parties: {
      epciSiren: row.epci_siren,
      departements: row.party_departements,
      bailleurs: row.party_bailleurs,
      reservataires: row.party_reservataires,
    },
  }));
}
