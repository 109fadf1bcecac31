import type { PoolClient } from 'pg';
import {
  compositeKey,
  flatStreamId,
  fluxFactOf,
  reservationDecider,
  type CalDecisionRecorded,
  type FluxEvent,
  type FluxFact,
  type OfferDeclined,
  type Place,
  type PostCalRefusalFact,
  type ReservationEvent,
  type ReservationState,
} from '@vigie/domain';
import type { RecordedEvent } from '@vigie/event-store';
import type { Projection } from '../projection.js';

/**
 * The gestion en flux as read models, fed from the log after their checkpoint like compliance:
 * - flux_conventions: each convention's state (terms, revisions, agreements), folded once here
 *   instead of at every request (flux_convention_streams: which convention a stream holds);
 * - flux_facts: every release, orientation and return, keyed by bailleur and the year of its own
 *   date, with the place of the flat's release (flux_flats keeps the current one per flat);
 *   flux_counts: the same facts counted per bailleur, year, kind, place and convention (what the
 *   readers add up: tens of rows for a bailleur-year, however many facts it holds);
 * - flux_refusals: every refusal after a CAL oriented to a réservataire (flux_cases keeps the last
 *   CAL decision of each case);
 * - flux_validations: a-posteriori validations recorded on conventions;
 * - flux_lease_meta: when and by whom each lease version was recorded (the audit ledger's proof).
 * Leases themselves are read from lease_facts (the compliance projection). Readers (convention
 * flux, audit ledger, bilan, flux alert rules) never read the events table.
 */
export function fluxTablesDdl(suffix = ''): string {
  return `
    CREATE TABLE IF NOT EXISTS flux_conventions${suffix} (
      bailleur_id     text   NOT NULL,
      reservataire_id text   NOT NULL,
      convention_id   text   NOT NULL,
      state           jsonb  NOT NULL,
      position        bigint NOT NULL,
      CONSTRAINT flux_conventions${suffix}_pkey PRIMARY KEY (bailleur_id, reservataire_id, convention_id)
    );
    CREATE INDEX IF NOT EXISTS flux_conventions${suffix}_reservataire ON flux_conventions${suffix} (reservataire_id);
    CREATE TABLE IF NOT EXISTS flux_convention_streams${suffix} (
      stream_id text  NOT NULL,
      key       jsonb NOT NULL,
      CONSTRAINT flux_convention_streams${suffix}_pkey PRIMARY KEY (stream_id)
    );
    CREATE TABLE IF NOT EXISTS flux_flats${suffix} (
      bailleur_id text  NOT NULL,
      rpls_id     text  NOT NULL,
      place       jsonb NOT NULL,
      CONSTRAINT flux_flats${suffix}_pkey PRIMARY KEY (bailleur_id, rpls_id)
    );
    CREATE TABLE IF NOT EXISTS flux_facts${suffix} (
      position    bigint      NOT NULL,
      event_id    uuid        NOT NULL,
      bailleur_id text        NOT NULL,
      year        integer     NOT NULL,
      fact        jsonb       NOT NULL,
      CONSTRAINT flux_facts${suffix}_pkey PRIMARY KEY (position)
    );
    CREATE INDEX IF NOT EXISTS flux_facts${suffix}_bailleur_year ON flux_facts${suffix} (bailleur_id, year);
    CREATE TABLE IF NOT EXISTS flux_counts${suffix} (
      key         text    NOT NULL,
      bailleur_id text    NOT NULL,
      year        integer NOT NULL,
      fact        jsonb   NOT NULL,
      n           integer NOT NULL,
      CONSTRAINT flux_counts${suffix}_pkey PRIMARY KEY (key)
    );
    CREATE INDEX IF NOT EXISTS flux_counts${suffix}_bailleur_year ON flux_counts${suffix} (bailleur_id, year);
    CREATE TABLE IF NOT EXISTS flux_cases${suffix} (
      stream_id       text  NOT NULL,
      reservataire_id text,
      flat            jsonb NOT NULL,
      CONSTRAINT flux_cases${suffix}_pkey PRIMARY KEY (stream_id)
    );
    CREATE TABLE IF NOT EXISTS flux_refusals${suffix} (
      position        bigint      NOT NULL,
      event_id        uuid        NOT NULL,
      bailleur_id     text        NOT NULL,
      reservataire_id text        NOT NULL,
      year            integer     NOT NULL,
      refusal         jsonb       NOT NULL,
      recorded_at     timestamptz NOT NULL,
      actor           text,
      CONSTRAINT flux_refusals${suffix}_pkey PRIMARY KEY (position)
    );
    CREATE INDEX IF NOT EXISTS flux_refusals${suffix}_bailleur_year ON flux_refusals${suffix} (bailleur_id, year);
    CREATE INDEX IF NOT EXISTS flux_refusals${suffix}_reservataire_year ON flux_refusals${suffix} (reservataire_id, year);
    CREATE TABLE IF NOT EXISTS flux_validations${suffix} (
      position        bigint      NOT NULL,
      event_id        uuid        NOT NULL,
      bailleur_id     text        NOT NULL,
      reservataire_id text        NOT NULL,
      convention_id   text        NOT NULL,
      year            integer     NOT NULL,
      validation      jsonb       NOT NULL,
      recorded_at     timestamptz NOT NULL,
      actor           text,
      CONSTRAINT flux_validations${suffix}_pkey PRIMARY KEY (position)
    );
    CREATE INDEX IF NOT EXISTS flux_validations${suffix}_reservataire_year ON flux_validations${suffix} (reservataire_id, year);
    CREATE TABLE IF NOT EXISTS flux_lease_meta${suffix} (
      event_id    uuid        NOT NULL,
      recorded_at timestamptz NOT NULL,
      actor       text,
      CONSTRAINT flux_lease_meta${suffix}_pkey PRIMARY KEY (event_id)
    );
  `;
}

const FLUX_TYPES = new Set(['FlatReleased', 'FlatOrientedToReservataire', 'FlatReturnedToBailleur']);
const RESERVATION_TYPES = new Set([
  'ReservationConventionSigned',
  'ConventionRevised',
  'ConventionAgreed',
  'StockConverted',
  'APosterioriValidationRecorded',
]);
const LEASE_TYPES = new Set(['LeaseSigned', 'LeaseCorrected']);

type ConventionKey = { bailleurId: string; reservataireId: string; conventionId: string };
/** One id per convention (never JSON of the key: jsonb gives its keys back in another order). */
const conventionId = (key: ConventionKey) => compositeKey('convention', key.bailleurId, key.reservataireId, key.conventionId);

/** Facts that count the same (same bailleur, year, kind, place, net base side, convention) share a count. */
function fluxCountKey(fact: FluxFact): string {
  return compositeKey(
    'flux-count',
    fact.bailleurId,
    Number(fact.date.slice(0, 4)),
    fact.kind,
    fact.place.departement,
    fact.place.communeInsee,
    fact.place.epciSiren,
    fact.inNetBase ? 1 : 0,
    fact.exclusionReason,
    fact.reservataireId,
    fact.conventionId,
  );
}

export class FluxProjection implements Projection {
  readonly name: string;
  readonly dataOf = [...FLUX_TYPES, ...RESERVATION_TYPES, 'CalDecisionRecorded', 'OfferDeclined'];

  constructor(private readonly suffix = '') {
    this.name = `flux${suffix}`;
  }

  get tables(): string[] {
    return [
      'flux_conventions',
      'flux_convention_streams',
      'flux_flats',
      'flux_facts',
      'flux_counts',
      'flux_cases',
      'flux_refusals',
      'flux_lease_meta',
    ].map((table) => `${table}${this.suffix}`);
  }

  async createTables(client: PoolClient): Promise<void> {
    await client.query(fluxTablesDdl(this.suffix));
  }

  /**
   * One batch: the states it needs (conventions, flats' places, cases' CAL decisions) are read
   * in one query each, evolved in memory in log order, and every row is written in one statement
   * per table, whatever the batch size.
   */
  async apply(client: PoolClient, events: readonly RecordedEvent[]): Promise<void> {
    const s = this.suffix;
    const relevant = events.filter(
      (e) =>
        FLUX_TYPES.has(e.type) ||
        RESERVATION_TYPES.has(e.type) ||
        LEASE_TYPES.has(e.type) ||
        e.type === 'CalDecisionRecorded' ||
        e.type === 'OfferDeclined',
    );
    if (!relevant.length) return;

    // Conventions: the stream id names the convention; its first event carries the parties.
    const conventionStreams = [...new Set(relevant.filter((e) => RESERVATION_TYPES.has(e.type)).map((e) => e.streamId))];
    const conventions = new Map<string, { key: ConventionKey; state: ReservationState; position: number }>();
    const conventionKeyOf = new Map<string, ConventionKey>();
    for (const event of relevant) {
      if (event.type !== 'ReservationConventionSigned') continue;
      const data = event.data as ConventionKey;
      conventionKeyOf.set(event.streamId, {
        bailleurId: data.bailleurId,
        reservataireId: data.reservataireId,
        conventionId: data.conventionId,
      });
    }
    const unknownStreams = conventionStreams.filter((id) => !conventionKeyOf.has(id));
    if (unknownStreams.length) {
      const { rows } = await client.query<{ stream_id: string; key: ConventionKey }>(
        `SELECT stream_id, key FROM flux_convention_streams${s} WHERE stream_id = ANY($1)`,
        [unknownStreams],
      );
      for (const row of rows) conventionKeyOf.set(row.stream_id, row.key);
    }
    const keys = [...new Map([...conventionKeyOf.values()].map((k) => [conventionId(k), k])).values()];
    if (keys.length) {
      const { rows } = await client.query<{
        bailleur_id: string;
        reservataire_id: string;
        convention_id: string;
        state: ReservationState;
        position: string;
      }>(
        `SELECT f.bailleur_id, f.reservataire_id, f.convention_id, f.state, f.position
           FROM unnest($1::text[], $2::text[], $3::text[]) AS k(b, r, c)
           JOIN flux_conventions${s} f ON f.bailleur_id = k.b AND f.reservataire_id = k.r AND f.convention_id = k.c`,
        [keys.map((k) => k.bailleurId), keys.map((k) => k.reservataireId), keys.map((k) => k.conventionId)],
      );
      for (const row of rows) {
        const key = { bailleurId: row.bailleur_id, reservataireId: row.reservataire_id, conventionId: row.convention_id };
        conventions.set(conventionId(key), { key, state: row.state, position: Number(row.position) });
      }
    }

    // Flats: the place of the current release of each flat an orientation or return names.
    const flatKey = (bailleurId: string, rplsId: string) => flatStreamId(bailleurId, rplsId);
    const places = new Map<string, Place>();
    const flatsToRead = new Map<string, [string, string]>();
    for (const event of relevant) {
      if (!FLUX_TYPES.has(event.type)) continue;
      const data = event.data as { bailleurId: string; rplsId: string };
      flatsToRead.set(flatKey(data.bailleurId, data.rplsId), [data.bailleurId, data.rplsId]);
    }
    if (flatsToRead.size) {
      const pairs = [...flatsToRead.values()];
      const { rows } = await client.query<{ bailleur_id: string; rpls_id: string; place: Place }>(
        `SELECT f.bailleur_id, f.rpls_id, f.place FROM unnest($1::text[], $2::text[]) AS k(b, r)
           JOIN flux_flats${s} f ON f.bailleur_id = k.b AND f.rpls_id = k.r`,
        [pairs.map((p) => p[0]), pairs.map((p) => p[1])],
      );
      for (const row of rows) places.set(flatKey(row.bailleur_id, row.rpls_id), row.place);
    }
    const changedFlats = new Set<string>();

    // Cases: the last CAL decision of each case a refusal names.
    const cases = new Map<string, { reservataireId: string | null; flat: PostCalRefusalFact['flat'] }>();
    const caseStreams = [...new Set(relevant.filter((e) => e.type === 'OfferDeclined').map((e) => e.streamId))];
    if (caseStreams.length) {
      const { rows } = await client.query<{
        stream_id: string;
        reservataire_id: string | null;
        flat: PostCalRefusalFact['flat'];
      }>(`SELECT stream_id, reservataire_id, flat FROM flux_cases${s} WHERE stream_id = ANY($1)`, [caseStreams]);
      for (const row of rows) cases.set(row.stream_id, { reservataireId: row.reservataire_id, flat: row.flat });
    }
    const changedCases = new Set<string>();

    const facts: Array<{ position: number; eventId: string; fact: FluxFact }> = [];
    const refusals: Array<{ event: RecordedEvent; refusal: PostCalRefusalFact }> = [];
    const leaseMeta: RecordedEvent[] = [];
    const validations: Array<{ event: RecordedEvent; key: ConventionKey }> = [];
    const changedConventions = new Set<string>();
    const newConventionStreams: Array<{ streamId: string; key: ConventionKey }> = [];

    for (const event of relevant) {
      if (FLUX_TYPES.has(event.type)) {
        const fluxEvent = { type: event.type, data: event.data } as FluxEvent;
        const key = flatKey(fluxEvent.data.bailleurId, fluxEvent.data.rplsId);
        const fact = fluxFactOf(fluxEvent, places.get(key) ?? null);
        if (fact.kind === 'release') {
          places.set(key, fact.place);
          changedFlats.add(key);
        }
        facts.push({ position: event.globalPosition, eventId: event.eventId, fact });
      } else if (RESERVATION_TYPES.has(event.type)) {
        const key = conventionKeyOf.get(event.streamId);
        if (!key) continue; // a revision or agreement of a convention never signed: nothing to fold
        const id = conventionId(key);
        const current = conventions.get(id) ?? { key, state: reservationDecider.initialState, position: 0 };
        if (event.type === 'ReservationConventionSigned' && !conventions.has(id))
          newConventionStreams.push({ streamId: event.streamId, key });
        conventions.set(id, {
          key,
          state: reservationDecider.evolve(current.state, {
            ...({ type: event.type, data: event.data } as ReservationEvent),
            eventId: event.eventId,
            streamVersion: event.streamVersion,
          }),
          position: event.globalPosition,
        });
        changedConventions.add(id);
        if (event.type === 'APosterioriValidationRecorded') validations.push({ event, key });
      } else if (event.type === 'CalDecisionRecorded') {
        const data = event.data as CalDecisionRecorded['data'];
        cases.set(event.streamId, {
          reservataireId: data.reservataireId,
          flat: {
            rplsId: data.flat.rplsId,
            communeInsee: data.flat.communeInsee,
            epciSiren: data.flat.epciSiren,
            qpvCode: data.flat.qpvCode,
          },
        });
        changedCases.add(event.streamId);
      } else if (event.type === 'OfferDeclined') {
        const data = event.data as OfferDeclined['data'];
        const decision = cases.get(event.streamId);
        if (!decision?.reservataireId) continue; // not oriented to a réservataire's flux
        refusals.push({
          event,
          refusal: {
            date: data.declinedOn,
            bailleurId: data.bailleurId,
            reservataireId: decision.reservataireId,
            flat: decision.flat,
          },
        });
      } else if (LEASE_TYPES.has(event.type)) {
        leaseMeta.push(event);
      }
    }

    if (newConventionStreams.length) {
      await client.query(
        `INSERT INTO flux_convention_streams${s} (stream_id, key)
         SELECT * FROM unnest($1::text[], $2::jsonb[]) ON CONFLICT DO NOTHING`,
        [newConventionStreams.map((c) => c.streamId), newConventionStreams.map((c) => JSON.stringify(c.key))],
      );
    }
    if (changedConventions.size) {
      const rows = [...changedConventions].map((id) => conventions.get(id)!);
      await client.query(
        `INSERT INTO flux_conventions${s} (bailleur_id, reservataire_id, convention_id, state, position)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[], $5::bigint[])
         ON CONFLICT (bailleur_id, reservataire_id, convention_id)
         DO UPDATE SET state = excluded.state, position = excluded.position`,
        [
          rows.map((r) => r.key.bailleurId),
          rows.map((r) => r.key.reservataireId),
          rows.map((r) => r.key.conventionId),
          rows.map((r) => JSON.stringify(r.state)),
          rows.map((r) => r.position),
        ],
      );
    }
    if (changedFlats.size) {
      const rows = [...changedFlats].map((key) => [...flatsToRead.get(key)!, places.get(key)!] as const);
      await client.query(
        `INSERT INTO flux_flats${s} (bailleur_id, rpls_id, place)
         SELECT * FROM unnest($1::text[], $2::text[], $3::jsonb[])
         ON CONFLICT (bailleur_id, rpls_id) DO UPDATE SET place = excluded.place`,
        [rows.map((r) => r[0]), rows.map((r) => r[1]), rows.map((r) => JSON.stringify(r[2]))],
      );
    }
    if (facts.length) {
      await client.query(
        `INSERT INTO flux_facts${s} (position, event_id, bailleur_id, year, fact)
         SELECT * FROM unnest($1::bigint[], $2::uuid[], $3::text[], $4::int[], $5::jsonb[])
         ON CONFLICT (position) DO NOTHING`,
        [
          facts.map((f) => f.position),
          facts.map((f) => f.eventId),
          facts.map((f) => f.fact.bailleurId),
          facts.map((f) => Number(f.fact.date.slice(0, 4))),
          facts.map((f) => JSON.stringify(f.fact)),
        ],
      );
    }
    if (facts.length) {
      const counts = new Map<string, { fact: FluxFact; n: number }>();
      for (const { fact } of facts) {
        const key = fluxCountKey(fact);
        const current = counts.get(key);
        if (current) current.n += 1;
        else counts.set(key, { fact: { ...fact, date: `${fact.date.slice(0, 4)}-01-01`, rplsId: '' }, n: 1 });
      }
      const rows = [...counts.entries()];
      await client.query(
        `INSERT INTO flux_counts${s} (key, bailleur_id, year, fact, n)
         SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::jsonb[], $5::int[])
         ON CONFLICT (key) DO UPDATE SET n = flux_counts${s}.n + excluded.n`,
        [
          rows.map(([key]) => key),
          rows.map(([, c]) => c.fact.bailleurId),
          rows.map(([, c]) => Number(c.fact.date.slice(0, 4))),
          rows.map(([, c]) => JSON.stringify(c.fact)),
          rows.map(([, c]) => c.n),
        ],
      );
    }
    if (changedCases.size) {
      const rows = [...changedCases].map((id) => [id, cases.get(id)!] as const);
      await client.query(
        `INSERT INTO flux_cases${s} (stream_id, reservataire_id, flat)
         SELECT * FROM unnest($1::text[], $2::text[], $3::jsonb[])
         ON CONFLICT (stream_id) DO UPDATE SET reservataire_id = excluded.reservataire_id, flat = excluded.flat`,
        [rows.map((r) => r[0]), rows.map((r) => r[1].reservataireId), rows.map((r) => JSON.stringify(r[1].flat))],
      );
    }
    if (refusals.length) {
      await client.query(
        `INSERT INTO flux_refusals${s} (position, event_id, bailleur_id, reservataire_id, year, refusal, recorded_at, actor)
         SELECT * FROM unnest($1::bigint[], $2::uuid[], $3::text[], $4::text[], $5::int[], $6::jsonb[], $7::timestamptz[], $8::text[])
         ON CONFLICT (position) DO NOTHING`,
        [
          refusals.map((r) => r.event.globalPosition),
          refusals.map((r) => r.event.eventId),
          refusals.map((r) => r.refusal.bailleurId),
          refusals.map((r) => r.refusal.reservataireId),
          refusals.map((r) => Number(r.refusal.date.slice(0, 4))),
          refusals.map((r) => JSON.stringify(r.refusal)),
          refusals.map((r) => r.event.recordedAt),
          refusals.map((r) => r.event.metadata.actor ?? null),
        ],
      );
    }
    if (validations.length) {
      await client.query(
        `INSERT INTO flux_validations${s} (position, event_id, bailleur_id, reservataire_id, convention_id, year, validation, recorded_at, actor)
         SELECT * FROM unnest($1::bigint[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::int[], $7::jsonb[], $8::timestamptz[], $9::text[])
         ON CONFLICT (position) DO NOTHING`,
        [
          validations.map((v) => v.event.globalPosition),
          validations.map((v) => v.event.eventId),
          validations.map((v) => v.key.bailleurId),
          validations.map((v) => v.key.reservataireId),
          validations.map((v) => v.key.conventionId),
          validations.map((v) => Number((v.event.data as { validatedOn: string }).validatedOn.slice(0, 4))),
          validations.map((v) => JSON.stringify(v.event.data)),
          validations.map((v) => v.event.recordedAt),
          validations.map((v) => v.event.metadata.actor ?? null),
        ],
      );
    }
    if (leaseMeta.length) {
      await client.query(
        `INSERT INTO flux_lease_meta${s} (event_id, recorded_at, actor)
         SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::text[]) ON CONFLICT (event_id) DO NOTHING`,
        [leaseMeta.map((e) => e.eventId), leaseMeta.map((e) => e.recordedAt), leaseMeta.map((e) => e.metadata.actor ?? null)],
      );
    }
  }
}
