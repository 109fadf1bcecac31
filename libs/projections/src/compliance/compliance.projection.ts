import type { PoolClient } from 'pg';
import { compositeKey, evolveCia, initialCiaState, type Cia, type CiaEvent, type ReferentialEvent } from '@vigie/domain';
import type { RecordedEvent } from '@vigie/event-store';
import type { Projection } from '../projection.js';

/**
 * The facts compliance is computed from, kept as they stood at every position:
 * - lease_facts: one row per version of a lease, valid from the event that recorded it to the
 *   one that corrected or cancelled it (valid_to), so figures can be read as of any position;
 * - cia_versions: the CIA in force after each adoption or amendment;
 * - quartile_thresholds: every published amount (a correction is a later row);
 * - referential_entries: the registered EPCIs, QPVs, bailleurs and réservataires.
 * Nothing derived (Q1 status, objective membership) is stored: it is computed when read,
 * from these facts and the rules in force, so a corrected threshold or an amended CIA needs
 * no migration and no replay.
 */
/** Last position at which the leases of an EPCI and year changed: a cached figure older than that is stale. */
export function complianceScopesDdl(suffix = ''): string {
  return `
    CREATE TABLE IF NOT EXISTS compliance_scopes${suffix} (
      epci_siren text    NOT NULL,
      year       integer NOT NULL,
      position   bigint  NOT NULL,
      CONSTRAINT compliance_scopes${suffix}_pkey PRIMARY KEY (epci_siren, year)
    );`;
}

/**
 * The leases of an EPCI-year, by the last position that changed them (recorded or closed): the
 * read of the figures in force, and of what changed since a live figure was computed.
 */
export function leaseFactsScopeIndexDdl(suffix = ''): string {
  return `CREATE INDEX IF NOT EXISTS lease_facts${suffix}_scope_changes ON lease_facts${suffix} (epci_siren, year, (greatest(valid_from, coalesce(valid_to, 0))));`;
}

/** A réservataire's leases of a year, at one bailleur or all (convention flux, audit ledger). */
export function leaseFactsFluxIndexesDdl(suffix = ''): string {
  return `
    CREATE INDEX IF NOT EXISTS lease_facts${suffix}_reservataire ON lease_facts${suffix} (year, (lease->>'reservataireId'), (lease->>'bailleurId'));`;
}

export function complianceTablesDdl(suffix = ''): string {
  return `
    CREATE TABLE IF NOT EXISTS lease_facts${suffix} (
      stream_id  text    NOT NULL,
      valid_from bigint  NOT NULL,
      valid_to   bigint,
      event_id   uuid    NOT NULL,
      epci_siren text    NOT NULL,
      year       integer NOT NULL,
      lease      jsonb   NOT NULL,
      CONSTRAINT lease_facts${suffix}_pkey PRIMARY KEY (stream_id, valid_from)
    );
    ${leaseFactsScopeIndexDdl(suffix)}
    CREATE INDEX IF NOT EXISTS lease_facts${suffix}_bailleur ON lease_facts${suffix} (year, (lease->>'bailleurId'));
    ${leaseFactsFluxIndexesDdl(suffix)}
    CREATE TABLE IF NOT EXISTS cia_versions${suffix} (
      epci_siren text   NOT NULL,
      position   bigint NOT NULL,
      cia        jsonb  NOT NULL,
      CONSTRAINT cia_versions${suffix}_pkey PRIMARY KEY (epci_siren, position)
    );
    CREATE TABLE IF NOT EXISTS quartile_thresholds${suffix} (
      epci_siren    text    NOT NULL,
      year          integer NOT NULL,
      position      bigint  NOT NULL,
      amount_per_uc numeric NOT NULL,
      source        text    NOT NULL,
      CONSTRAINT quartile_thresholds${suffix}_pkey PRIMARY KEY (epci_siren, year, position)
    );
    ${complianceScopesDdl(suffix)}
    CREATE TABLE IF NOT EXISTS referential_entries${suffix} (
      kind     text   NOT NULL,
      id       text   NOT NULL,
      position bigint NOT NULL,
      entry    jsonb  NOT NULL,
      CONSTRAINT referential_entries${suffix}_pkey PRIMARY KEY (kind, id)
    );
  `;
}

const REFERENTIAL_KIND: Record<string, string> = {
  EpciRegistered: 'epci',
  EpciUpdated: 'epci',
  QpvRegistered: 'qpv',
  QpvUpdated: 'qpv',
  BailleurRegistered: 'bailleur',
  BailleurUpdated: 'bailleur',
  ReservataireRegistered: 'reservataire',
  ReservataireUpdated: 'reservataire',
};

function referentialId(event: ReferentialEvent): string {
  const data = event.data as { siren?: string; code?: string; id?: string };
  return data.siren ?? data.code ?? data.id ?? '';
}

export class ComplianceProjection implements Projection {
  readonly name: string;
  /** Lease versions are copied server-side from the events table: only the rules and the referential travel. */
  readonly dataOf = ['CiaAdopted', 'CiaAmended', 'QuartileThresholdPublished', ...Object.keys(REFERENTIAL_KIND)];

  constructor(private readonly suffix = '') {
    this.name = `compliance${suffix}`;
  }

  get tables(): string[] {
    return ['lease_facts', 'cia_versions', 'quartile_thresholds', 'referential_entries', 'compliance_scopes'].map(
      (table) => `${table}${this.suffix}`,
    );
  }

  async createTables(client: PoolClient): Promise<void> {
    await client.query(complianceTablesDdl(this.suffix));
  }

  async apply(client: PoolClient, events: readonly RecordedEvent[]): Promise<void> {
    const s = this.suffix;
    // New lease versions are copied in bulk from the events table itself (the lease JSON never
    // travels through Node); anything that closes a version first flushes them, to keep the order.
    let pending: number[] = [];
    const touched: Array<{ epci_siren: string; year: number; position: string | number }> = [];
    const flush = async () => {
      if (!pending.length) return;
      const positions = pending;
      pending = [];
      const inserted = await client.query<{ epci_siren: string; year: number; position: string }>(
        `INSERT INTO lease_facts${s} (stream_id, valid_from, event_id, epci_siren, year, lease)
         SELECT e.stream_id, e.global_position, e.event_id, l.lease->'flat'->>'epciSiren', substr(l.lease->>'leaseDate', 1, 4)::int, l.lease
         FROM events e
         CROSS JOIN LATERAL (SELECT CASE WHEN e.event_type = 'LeaseCorrected' THEN e.data->'lease' ELSE e.data END AS lease) l
         WHERE e.global_position = ANY($1::bigint[])
         RETURNING epci_siren, year, valid_from AS position`,
        [positions],
      );
      touched.push(...inserted.rows);
    };
    const closeCurrent = async (streamId: string, position: number) => {
      const closed = await client.query<{ epci_siren: string; year: number; position: string }>(
        `UPDATE lease_facts${s} SET valid_to = $2 WHERE stream_id = $1 AND valid_to IS NULL RETURNING epci_siren, year, valid_to AS position`,
        [streamId, position],
      );
      touched.push(...closed.rows);
    };
    const ciaCache = new Map<string, Cia | null>();

    for (const event of events) {
      switch (event.type) {
        case 'LeaseSigned':
          pending.push(event.globalPosition);
          break;
        case 'LeaseCorrected':
          await flush();
          await closeCurrent(event.streamId, event.globalPosition);
          pending.push(event.globalPosition);
          break;
        case 'LeaseCancelled':
          await flush();
          await closeCurrent(event.streamId, event.globalPosition);
          break;
        case 'CiaAdopted':
        case 'CiaAmended': {
          const ciaEvent = { type: event.type, data: event.data } as CiaEvent;
          const epci = (ciaEvent.data as { epciSiren: string }).epciSiren;
          const previous = ciaCache.has(epci) ? ciaCache.get(epci)! : await this.latestCia(client, epci);
          const next = evolveCia({ ...initialCiaState, cia: previous }, ciaEvent).cia;
          ciaCache.set(epci, next);
          await client.query(`INSERT INTO cia_versions${s} (epci_siren, position, cia) VALUES ($1, $2, $3)`, [
            epci,
            event.globalPosition,
            JSON.stringify(next),
          ]);
          break;
        }
        case 'QuartileThresholdPublished': {
          const data = event.data as { epciSiren: string; year: number; amountPerUc: number; source: string };
          await client.query(
            `INSERT INTO quartile_thresholds${s} (epci_siren, year, position, amount_per_uc, source) VALUES ($1, $2, $3, $4, $5)`,
            [data.epciSiren, data.year, event.globalPosition, data.amountPerUc, data.source],
          );
          break;
        }
        default: {
          const kind = REFERENTIAL_KIND[event.type];
          if (!kind) break;
          const referential = { type: event.type, data: event.data } as ReferentialEvent;
          await client.query(
            `INSERT INTO referential_entries${s} (kind, id, position, entry) VALUES ($1, $2, $3, $4)
             ON CONFLICT (kind, id) DO UPDATE SET position = excluded.position, entry = excluded.entry`,
            [kind, referentialId(referential), event.globalPosition, JSON.stringify(referential.data)],
          );
        }
      }
    }
    await flush();
    await this.markScopes(client, touched);
  }

  private async markScopes(
    client: PoolClient,
    touched: Array<{ epci_siren: string; year: number; position: string | number }>,
  ): Promise<void> {
    if (!touched.length) return;
    const latest = new Map<string, { epci: string; year: number; position: number }>();
    for (const row of touched) {
      const key = compositeKey('compliance-scope', row.epci_siren, row.year);
      const position = Number(row.position);
      if ((latest.get(key)?.position ?? -1) < position) latest.set(key, { epci: row.epci_siren, year: row.year, position });
    }
    const rows = [...latest.values()];
    await client.query(
      `INSERT INTO compliance_scopes${this.suffix} (epci_siren, year, position)
       SELECT * FROM unnest($1::text[], $2::int[], $3::bigint[])
       ON CONFLICT (epci_siren, year) DO UPDATE SET position = greatest(compliance_scopes${this.suffix}.position, excluded.position)`,
      [rows.map((r) => r.epci), rows.map((r) => r.year), rows.map((r) => r.position)],
    );
  }

  private async latestCia(client: PoolClient, epci: string): Promise<Cia | null> {
    const { rows } = await client.query<{ cia: Cia }>(
      `SELECT cia FROM cia_versions${this.suffix} WHERE epci_siren = $1 ORDER BY position DESC LIMIT 1`,
      [epci],
    );
    return rows[0]?.cia ?? null;
  }
}
