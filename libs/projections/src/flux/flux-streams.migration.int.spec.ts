import { randomUUID } from 'node:crypto';
import { flatStreamId, fluxDecider, foldEvents, type FluxEvent } from '@vigie/domain';
import { PostgresEventStore } from '@vigie/event-store';
import { databaseMigratedFrom, type TestDatabase } from '../../../../test/support/postgres.js';
import type { Pool } from 'pg';
import { ProjectionRunner } from '../projection-runner.js';
import { FLUX_STREAMS_MIGRATION_ID } from './flux-streams.migration.js';
import { FluxProjection } from './flux.projection.js';
import { readFluxCounts } from './convention-flux.query.js';

const release = (rplsId: string, releasedOn: string) => ({
  type: 'FlatReleased',
  data: { bailleurId: 'lmh', rplsId, departement: '59', releasedOn, inNetBase: true, exclusionReason: null },
});
const orient = (rplsId: string, orientedOn: string) => ({
  type: 'FlatOrientedToReservataire',
  data: { bailleurId: 'lmh', rplsId, reservataireId: 'action-logement', conventionId: 'ALS', orientedOn },
});

/** Flux events as they were stored before: one stream per bailleur and year of the fact's date. */
const OLD = [
  { stream: 'flux:lmh:2024', ...release('A', '2024-12-30') },
  { stream: 'flux:lmh:2024', ...release('B', '2024-06-01') },
  { stream: 'flux:lmh:2024', ...orient('B', '2024-06-02') },
  // Recorded in 2025's stream (a flat released again in 2025).
  { stream: 'flux:lmh:2025', ...release('B', '2025-02-01') },
];

/**
 * Applies batches until the projection has seen the last event: readers stop below the oldest
 * running transaction of the server (gap safety), which other suites on a shared server can hold back.
 */
async function catchUpToHead(pool: Pool, runner: ProjectionRunner): Promise<void> {
  const { rows } = await pool.query<{ head: string | null }>('SELECT max(global_position) AS head FROM events');
  const head = Number(rows[0]!.head ?? 0);
  while (runner.status().position < head) {
    if ((await runner.catchUp()) === 0) await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('Moving the flux streams to one per flat (migration projections/009-flux-flat-streams)', () => {
  let db: TestDatabase;
  let store: PostgresEventStore;

  beforeAll(async () => {
    db = await databaseMigratedFrom(FLUX_STREAMS_MIGRATION_ID, OLD, { actor: 'test' });
    store = new PostgresEventStore(db.pool);
  });

  afterAll(async () => {
    await db.drop();
  });

  it('gives each flat its own stream, its events in position order, and logs every move', async () => {
    const a = await store.readStream(flatStreamId('lmh', 'A'));
    const b = await store.readStream(flatStreamId('lmh', 'B'));
    expect(a.events.map((e) => [e.type, e.streamVersion])).toEqual([['FlatReleased', 1]]);
    expect(b.events.map((e) => [e.type, e.streamVersion])).toEqual([
      ['FlatReleased', 1],
      ['FlatOrientedToReservataire', 2],
      ['FlatReleased', 3],
    ]);
    const { rows: streams } = await db.pool.query("SELECT stream_id FROM streams WHERE stream_id LIKE 'flux:%'");
    expect(streams).toEqual([]);
    const { rows: moves } = await db.pool.query<{ old_stream_id: string; new_stream_id: string; events: number }>(
      'SELECT old_stream_id, new_stream_id, events FROM stream_id_moves ORDER BY old_stream_id, new_stream_id',
    );
    expect(moves).toEqual([
      { old_stream_id: 'flux:lmh:2024', new_stream_id: flatStreamId('lmh', 'A'), events: 1 },
      { old_stream_id: 'flux:lmh:2024', new_stream_id: flatStreamId('lmh', 'B'), events: 2 },
      { old_stream_id: 'flux:lmh:2025', new_stream_id: flatStreamId('lmh', 'B'), events: 1 },
    ]);
  });

  it('lets the flat released on 30 December 2024 be oriented on 2 January 2025, on its moved stream', async () => {
    const stream = await store.readStream(flatStreamId('lmh', 'A'));
    const state = foldEvents(
      fluxDecider,
      stream.events.map((e) => ({
        ...({ type: e.type, data: e.data } as FluxEvent),
        eventId: e.eventId,
        streamVersion: e.streamVersion,
      })),
    );
    const events = fluxDecider.decide({ type: 'OrientFlat', data: orient('A', '2025-01-02').data }, state);
    await store.append(
      flatStreamId('lmh', 'A'),
      events.map((event) => ({ eventId: randomUUID(), type: event.type, data: event.data, metadata: { actor: 'test' } })),
      { expectedVersion: stream.version },
    );
    // The flux projection counts each fact in the year of its own date.
    await catchUpToHead(db.pool, new ProjectionRunner(db.pool, new FluxProjection()));
    const count = async (year: number, kind: string) =>
      (await readFluxCounts(db.pool, 'lmh', year)).filter((f) => f.kind === kind).reduce((n, f) => n + (f.count ?? 1), 0);
    expect([await count(2024, 'release'), await count(2024, 'orientation')]).toEqual([2, 1]);
    expect([await count(2025, 'release'), await count(2025, 'orientation')]).toEqual([1, 1]);
  });
});
