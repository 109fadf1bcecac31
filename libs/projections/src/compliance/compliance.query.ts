import type { Pool } from 'pg';
import {
  legalDefaultCia,
  type Cia,
  type LeaseFact,
  type LeaseSignedData,
  type ListedLeaseFact,
  type ReservataireKind,
} from '@vigie/domain';

export interface ComplianceInputs {
  readonly facts: LeaseFact[];
  readonly cia: Cia;
  /** True when the EPCI's own CIA applies; false when the legal defaults do. */
  readonly ciaAdopted: boolean;
  readonly threshold: { readonly amountPerUc: number; readonly source: string } | null;
  /** Kind of each registered réservataire (the referential as it stands now). */
  readonly reservataireKinds: Record<string, ReservataireKind>;
}

type FactTuple = [
  string,
  string,
  string | null,
  string,
  string | null,
  LeaseSignedData['household']['composition'],
  number | null,
  LeaseSignedData['flags'],
  /** Null when the lease has no CAL decision (or was recorded before leases were linked to one). */
  string | null,
  string | null,
  string | null,
];

function toFact([
  leaseDate,
  bailleurId,
  reservataireId,
  communeInsee,
  qpvCode,
  composition,
  yearlyResources,
  flags,
  calDecisionEventId,
  householdId,
  rplsId,
]: FactTuple): LeaseFact {
  return {
    leaseDate,
    bailleurId,
    reservataireId,
    communeInsee,
    qpvCode,
    composition,
    yearlyResources,
    flags,
    calDecisionEventId,
    ...(householdId ? { householdId } : {}),
    ...(rplsId ? { rplsId } : {}),
  };
}

/** What the rules read of a lease: one small JSON array per lease, less to transfer and parse. */
const FACT_TUPLE = `jsonb_build_array(
         lease->>'leaseDate', lease->>'bailleurId', lease->>'reservataireId', lease->'flat'->>'communeInsee', lease->'flat'->>'qpvCode',
         lease->'household'->'composition', lease->'household'->'yearlyResources', lease->'flags',
         lease->'calDecisionEventId',
         lease->'household'->>'pseudonymousId', lease->'flat'->>'rplsId')`;

/** The leases of an EPCI and year, the CIA and the threshold, all as they stood at `position`. */
export async function readComplianceInputs(
  pool: Pool,
  epciSiren: string,
  year: number,
  position: number,
): Promise<ComplianceInputs> {
  const [leases, rules] = await Promise.all([
    pool.query<{ f: FactTuple }>(
      `SELECT ${FACT_TUPLE} AS f
       FROM lease_facts
       WHERE epci_siren = $1 AND year = $2 AND valid_from <= $3 AND (valid_to IS NULL OR valid_to > $3)`,
      [epciSiren, year, position],
    ),
    readComplianceRules(pool, epciSiren, year, position),
  ]);
  return { facts: leases.rows.map((row) => toFact(row.f)), ...rules };
}

/** The CIA, the threshold and the réservataires' kinds an EPCI-year's figures are computed under at `position`. */
export async function readComplianceRules(
  pool: Pool,
  epciSiren: string,
  year: number,
  position: number,
): Promise<Omit<ComplianceInputs, 'facts'>> {
  const [cias, thresholds, kinds] = await Promise.all([
    pool.query<{ cia: Cia }>(
      'SELECT cia FROM cia_versions WHERE epci_siren = $1 AND position <= $2 ORDER BY position DESC LIMIT 1',
      [epciSiren, position],
    ),
    pool.query<{ amount_per_uc: string; source: string }>(
      `SELECT amount_per_uc, source FROM quartile_thresholds
       WHERE epci_siren = $1 AND year = $2 AND position <= $3 ORDER BY position DESC LIMIT 1`,
      [epciSiren, year, position],
    ),
    pool.query<{ id: string; kind: ReservataireKind }>(
      "SELECT id, entry->>'kind' AS kind FROM referential_entries WHERE kind = 'reservataire'",
    ),
  ]);
  const adopted = cias.rows[0]?.cia;
  const applies = adopted !== undefined && adopted.period.startYear <= year && year <= adopted.period.endYear;
  return {
    cia: applies ? adopted : legalDefaultCia(epciSiren, year),
    ciaAdopted: applies,
    threshold: thresholds.rows[0]
      ? { amountPerUc: Number(thresholds.rows[0].amount_per_uc), source: thresholds.rows[0].source }
      : null,
    reservataireKinds: Object.fromEntries(kinds.rows.map((row) => [row.id, row.kind])),
  };
}

/**
 * The lease versions of an EPCI and year in force at one position and not the other: those
 * `removed` between `from` and `to` (corrected or cancelled) and those `added` (recorded, or a
 * correction's new version). Figures at `from` less the removed plus the added are those at `to`.
 */
export async function readLeaseFactChanges(
  pool: Pool,
  epciSiren: string,
  year: number,
  from: number,
  to: number,
): Promise<{ readonly removed: LeaseFact[]; readonly added: LeaseFact[] }> {
  const { rows } = await pool.query<{ f: FactTuple; valid_from: string; valid_to: string | null }>(
    `SELECT ${FACT_TUPLE} AS f, valid_from, valid_to
     FROM lease_facts
     WHERE epci_siren = $1 AND year = $2 AND greatest(valid_from, coalesce(valid_to, 0)) > $3 AND valid_from <= $4`,
    [epciSiren, year, from, to],
  );
  const removed: LeaseFact[] = [];
  const added: LeaseFact[] = [];
  const inForce = (row: (typeof rows)[number], position: number) =>
    Number(row.valid_from) <= position && (row.valid_to === null || Number(row.valid_to) > position);
  for (const row of rows) {
    const before = inForce(row, from);
    const after = inForce(row, to);
    if (before && !after) removed.push(toFact(row.f));
    if (after && !before) added.push(toFact(row.f));
  }
  return { removed, added };
}

/** The global position a timestamp stands for: the last event recorded at or before it. */
export async function positionAt(pool: Pool, at: Date): Promise<number> {
  const { rows } = await pool.query<{ position: string | null }>(
    'SELECT max(global_position) AS position FROM events WHERE recorded_at <= $1',
    [at],
  );
  return Number(rows[0]?.position ?? 0);
}

export async function recordedAtOf(pool: Pool, position: number): Promise<Date | null> {
  const { rows } = await pool.query<{ recorded_at: Date }>(
    'SELECT recorded_at FROM events WHERE global_position <= $1 ORDER BY global_position DESC LIMIT 1',
    [position],
  );
  return rows[0]?.recorded_at ?? null;
}

export async function readReferentialEntry<T>(pool: Pool, kind: string, id: string): Promise<T | undefined> {
  const { rows } = await pool.query<{ entry: T }>('SELECT entry FROM referential_entries WHERE kind = $1 AND id = $2', [
    kind,
    id,
  ]);
  return rows[0]?.entry;
}

export async function listReferentialEntries<T>(pool: Pool, kind: string): Promise<T[]> {
  const { rows } = await pool.query<{ entry: T }>('SELECT entry FROM referential_entries WHERE kind = $1 ORDER BY id', [kind]);
  return rows.map((row) => row.entry);
}

/** The last position at which anything the figures of an EPCI and year depend on changed. */
export async function readScopePosition(pool: Pool, epciSiren: string, year: number): Promise<number> {
  const { rows } = await pool.query<{ position: string | null }>(
    `SELECT greatest(
       (SELECT position FROM compliance_scopes WHERE epci_siren = $1 AND year = $2),
       (SELECT max(position) FROM cia_versions WHERE epci_siren = $1),
       (SELECT max(position) FROM quartile_thresholds WHERE epci_siren = $1 AND year = $2),
       (SELECT max(position) FROM referential_entries WHERE kind = 'reservataire')
     ) AS position`,
    [epciSiren, year],
  );
  return Number(rows[0]?.position ?? 0);
}

/** The facts of lease_facts rows, each with its lease id and the event (id, position) holding its current version. */
const LISTED_FACTS = `SELECT ${FACT_TUPLE} AS f,
       lease->>'leaseId' AS lease_id, event_id, valid_from, epci_siren
     FROM lease_facts`;

interface ListedRow {
  f: FactTuple;
  lease_id: string;
  event_id: string;
  valid_from: string;
  epci_siren: string;
}

const toListed = (row: ListedRow): ListedLeaseFact => ({
  ...toFact(row.f),
  leaseId: row.lease_id,
  eventId: row.event_id,
  position: Number(row.valid_from),
});

/**
 * The leases behind the figures of an EPCI and year as they stood at `position`, each with its
 * lease id and the event (id, position) holding its current version; and the rules in force.
 */
export async function readListedLeases(
  pool: Pool,
  epciSiren: string,
  year: number,
  position: number,
): Promise<Omit<ComplianceInputs, 'facts'> & { readonly facts: ListedLeaseFact[] }> {
  // The rules in force (the facts it also reads are those below, without their ids).
  const [inputs, ordered] = await Promise.all([
    readComplianceInputs(pool, epciSiren, year, position),
    pool.query<ListedRow>(
      `${LISTED_FACTS}
     WHERE epci_siren = $1 AND year = $2 AND valid_from <= $3 AND (valid_to IS NULL OR valid_to > $3)
     ORDER BY valid_from`,
      [epciSiren, year, position],
    ),
  ]);
  return { ...inputs, facts: ordered.rows.map(toListed) };
}

/**
 * A bailleur's leases of a year as they stood at `position`, whatever their EPCI, grouped by EPCI
 * with the rules in force there (each lease is classified by its own EPCI's CIA and threshold).
 */
export async function readBailleurListedLeases(
  pool: Pool,
  bailleurId: string,
  year: number,
  position: number,
): Promise<Array<Omit<ComplianceInputs, 'facts'> & { readonly epciSiren: string; readonly facts: ListedLeaseFact[] }>> {
  const { rows } = await pool.query<ListedRow>(
    `${LISTED_FACTS}
     WHERE year = $1 AND lease->>'bailleurId' = $2 AND valid_from <= $3 AND (valid_to IS NULL OR valid_to > $3)
     ORDER BY epci_siren, valid_from`,
    [year, bailleurId, position],
  );
  const byEpci = new Map<string, ListedLeaseFact[]>();
  for (const row of rows) byEpci.set(row.epci_siren, [...(byEpci.get(row.epci_siren) ?? []), toListed(row)]);
  return Promise.all(
    [...byEpci].map(async ([epciSiren, facts]) => {
      const { facts: _all, ...rules } = await readComplianceInputs(pool, epciSiren, year, position);
      return { ...rules, epciSiren, facts };
    }),
  );
}

/** A recorded lease (its version in force) as a referential change is checked against it. */
export interface LeaseNamingEntry {
  readonly leaseId: string;
  readonly bailleurId: string;
  readonly leaseDate: string;
  readonly communeInsee: string;
}

/** The lease events: those that record a version (LeaseSigned, LeaseCorrected) and the one that only closes it. */
const LEASE_VERSIONS_AND_CLOSERS = ['LeaseSigned', 'LeaseCorrected', 'LeaseCancelled'] as const;

/** The condition "this lease names the entry $1", on a lease's JSON (`lease`). */
const NAMES_ENTRY: Record<'qpv' | 'epci' | 'reservataire', (lease: string) => string> = {
  qpv: (lease) => `${lease}->'flat'->>'qpvCode' = $1`,
  epci: (lease) => `${lease}->'flat'->>'epciSiren' = $1`,
  reservataire: (lease) => `${lease}->>'reservataireId' = $1`,
};

/**
 * The leases in force (neither corrected nor cancelled since) that name a referential entry: a
 * QPV (their flat's QPV), an EPCI (their flat's EPCI) or a réservataire, the earliest lease dates
 * first; `from` (YYYY-MM-DD): only those dated on or after it (a version taking effect that day
 * changes nothing before it). What a referential change may not contradict (referentialDecider).
 * Read from the compliance read model and, for the lease events it has not applied yet (after
 * its checkpoint), from the events themselves: a lease recorded an instant before is seen.
 */
export async function readLeasesNaming(
  pool: Pool,
  kind: 'qpv' | 'epci' | 'reservataire',
  id: string,
  from: string | null = null,
): Promise<LeaseNamingEntry[]> {
  const names = NAMES_ENTRY[kind];
  const columns = (lease: string) =>
    `${lease}->>'leaseId' AS "leaseId", ${lease}->>'bailleurId' AS "bailleurId", ${lease}->>'leaseDate' AS "leaseDate",
     ${lease}->'flat'->>'communeInsee' AS "communeInsee"`;
  const { rows } = await pool.query<LeaseNamingEntry>(
    `WITH recent AS MATERIALIZED (
       SELECT DISTINCT ON (stream_id) stream_id, event_type,
              CASE WHEN event_type = 'LeaseCorrected' THEN data->'lease' ELSE data END AS lease
         FROM events
        WHERE global_position > coalesce((SELECT position FROM checkpoints WHERE name = 'compliance'), 0)
          AND event_type = ANY($3)
        ORDER BY stream_id, global_position DESC
     )
     SELECT * FROM (
       SELECT ${columns('lf.lease')} FROM lease_facts lf
        WHERE lf.valid_to IS NULL AND ${kind === 'epci' ? 'lf.epci_siren = $1' : names('lf.lease')}
          AND NOT EXISTS (SELECT 1 FROM recent r WHERE r.stream_id = lf.stream_id)
       UNION ALL
       SELECT ${columns('r.lease')} FROM recent r WHERE r.event_type <> 'LeaseCancelled' AND ${names('r.lease')}
     ) AS naming
     WHERE $2::text IS NULL OR "leaseDate" >= $2
     ORDER BY "leaseDate", "leaseId"`,
    [id, from, [...LEASE_VERSIONS_AND_CLOSERS]],
  );
  return rows;
}
