import { parisTimestamp } from '@vigie/domain';
import { readGapSafeHead } from '@vigie/event-store';
import { inOneSnapshot } from '@vigie/postgres';
import { Pool } from 'pg';

export interface Freshness {
  /** Last global position applied to the read model. */
  readonly position: number;
  /** Recording time of that event, or null before the first one. */
  readonly lastEventAt: string | null;
  /** Highest position committed to the log (the true head). */
  readonly headPosition: number;
  /** Highest position readers may take: below it every transaction has finished. */
  readonly visibleHeadPosition: number;
  /** Events committed but not applied yet (headPosition − position). */
  readonly lag: number;
  /**
   * Seconds since the oldest committed event that readers cannot see yet was recorded: an open
   * transaction somewhere on the server holds them back. Null when nothing is held back.
   */
  readonly heldBackSeconds: number | null;
}

/**
 * Checkpoints of readers of the events table through gap-safe reads: each is a position known
 * gap-safe, where the visible head's walk may start (the projections', the relay's, the alert
 * monitor's; not the KurrentDB mirror's, a position of another log).
 */
const READER_CHECKPOINTS = ["'compliance'", "'lease_summary'", "'flux'", "'alerts'", "'kafka-relay'", "'alert-monitor'"].join(
  ', ',
);

// The held-back range is bounded by the head on both sides: with its lower bound alone (a value
// the planner cannot know when it plans) PostgreSQL scanned the whole events table for it, 212 ms
// at 1 000 000 events on every freshness read; bounded, it is an index range scan (0.3 ms).
const HELD_BACK_SQL = `
  SELECT h.head, b.held_back, b.held_back_seconds
  FROM (SELECT max(global_position) AS head FROM events) h,
       LATERAL (SELECT count(*) AS held_back, extract(epoch FROM now() - min(recorded_at)) AS held_back_seconds FROM events
                 WHERE global_position > $1 AND global_position <= h.head) b`;

export interface LogHeads {
  readonly headPosition: number;
  readonly visibleHeadPosition: number;
  /** Committed events past the visible head (positions between them may be holes: counted, not subtracted). */
  readonly heldBack: number;
  readonly heldBackSeconds: number | null;
}

/**
 * The true head, the head readers may take (its walk starts at the readers' checkpoints), and
 * how many committed events are held back and since when. Cheap: index range scans only.
 */
export async function readLogHeads(pool: Pick<Pool, 'query'>): Promise<LogHeads> {
  const visibleHeadPosition = await readGapSafeHead(
    pool,
    `(SELECT coalesce(max(position), 0) FROM checkpoints WHERE name IN (${READER_CHECKPOINTS}))`,
  );
  const { rows } = await pool.query<{ head: string | null; held_back: string; held_back_seconds: string | null }>(HELD_BACK_SQL, [
    visibleHeadPosition,
  ]);
  const row = rows[0];
  return {
    headPosition: Number(row?.head ?? 0),
    visibleHeadPosition,
    heldBack: Number(row?.held_back ?? 0),
    heldBackSeconds: row?.held_back_seconds == null ? null : Math.max(0, Math.round(Number(row.held_back_seconds) * 10) / 10),
  };
}

export interface LeaseSummary {
  readonly epciSiren: string;
  readonly year: number;
  readonly total: number;
  readonly qpv: { readonly inQpv: number; readonly outsideQpv: number };
  readonly byBailleur: ReadonlyArray<{
    readonly bailleurId: string;
    readonly leases: number;
    readonly inQpv: number;
    readonly outsideQpv: number;
  }>;
  readonly byReservataire: ReadonlyArray<{
    readonly reservataireId: string | null;
    readonly leases: number;
    readonly inQpv: number;
    readonly outsideQpv: number;
  }>;
  readonly freshness: Freshness;
}

/** Where a summary read at a position (asOf) or up to a lease date (signedUntil) stands. */
export interface LeaseSummaryCut {
  /** The global position the leases are read at (what Vigie knew then). */
  readonly position: number;
  /** Only leases signed on or before this day (YYYY-MM-DD); null: all. */
  readonly signedUntil: string | null;
}

interface Row {
  bailleur_id: string;
  reservataire_id: string;
  in_qpv: boolean;
  leases: number;
}

function tally<K>(rows: Row[], keyOf: (row: Row) => K) {
  const groups = new Map<K, { leases: number; inQpv: number; outsideQpv: number }>();
  for (const row of rows) {
    const key = keyOf(row);
    const group = groups.get(key) ?? { leases: 0, inQpv: 0, outsideQpv: 0 };
    group.leases += row.leases;
    if (row.in_qpv) group.inQpv += row.leases;
    else group.outsideQpv += row.leases;
    groups.set(key, group);
  }
  return [...groups.entries()].sort(([a], [b]) => String(a ?? '').localeCompare(String(b ?? '')));
}

export async function readFreshness(pool: Pick<Pool, 'query'>, projectionName: string): Promise<Freshness> {
  const [{ rows }, heads] = await Promise.all([
    pool.query<{ position: string; last_event_at: Date | null }>(
      'SELECT position, last_event_at FROM checkpoints WHERE name = $1',
      [projectionName],
    ),
    readLogHeads(pool),
  ]);
  const position = Number(rows[0]?.position ?? 0);
  return {
    position,
    lastEventAt: rows[0]?.last_event_at ? parisTimestamp(rows[0].last_event_at) : null,
    ...heads,
    lag: Math.max(0, heads.headPosition - position),
  };
}

export async function readLeaseSummary(
  pool: Pool,
  epciSiren: string,
  year: number,
  table = 'lease_summary',
): Promise<LeaseSummary> {
  // One snapshot: the rows are exactly those of the position the freshness states, never fresher.
  return inOneSnapshot(pool, async (snapshot) => {
    const freshness = await readFreshness(snapshot, table);
    const { rows } = await snapshot.query<Row>(
      `SELECT bailleur_id, reservataire_id, in_qpv, leases FROM ${table} WHERE epci_siren = $1 AND year = $2 AND leases <> 0`,
      [epciSiren, year],
    );
    return summaryOf(epciSiren, year, rows, freshness);
  });
}

/**
 * The same summary as it stood at a position, optionally cut at a lease date: counted from the
 * leases in force then (lease_facts, kept with the positions each version held), so its figures
 * are those the compliance figures read at the same position. `freshness` is the compliance
 * projection's, which the position never exceeds.
 */
export async function readLeaseSummaryAt(
  pool: Pool,
  epciSiren: string,
  year: number,
  cut: LeaseSummaryCut,
  freshness: Freshness,
): Promise<LeaseSummary & { readonly cut: LeaseSummaryCut }> {
  const { rows } = await pool.query<Row>(
    `SELECT lease->>'bailleurId' AS bailleur_id, coalesce(lease->>'reservataireId', '') AS reservataire_id,
            (lease->'flat'->>'qpvCode') IS NOT NULL AS in_qpv, count(*)::int AS leases
       FROM lease_facts
      WHERE epci_siren = $1 AND year = $2 AND valid_from <= $3 AND (valid_to IS NULL OR valid_to > $3)
        AND ($4::text IS NULL OR lease->>'leaseDate' <= $4)
      GROUP BY 1, 2, 3`,
    [epciSiren, year, cut.position, cut.signedUntil],
  );
  return { ...summaryOf(epciSiren, year, rows, freshness), cut };
}

function summaryOf(epciSiren: string, year: number, rows: Row[], freshness: Freshness): LeaseSummary {
  const inQpv = rows.filter((row) => row.in_qpv).reduce((sum, row) => sum + row.leases, 0);
  const outsideQpv = rows.filter((row) => !row.in_qpv).reduce((sum, row) => sum + row.leases, 0);
  return {
    epciSiren,
    year,
    total: inQpv + outsideQpv,
    qpv: { inQpv, outsideQpv },
    byBailleur: tally(rows, (row) => row.bailleur_id).map(([bailleurId, counts]) => ({ bailleurId, ...counts })),
    byReservataire: tally(rows, (row) => row.reservataire_id || null).map(([reservataireId, counts]) => ({
      reservataireId,
      ...counts,
    })),
    freshness,
  };
}
