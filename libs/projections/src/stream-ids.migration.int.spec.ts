import { alertStreamId, attributionStreamId, bilanStreamId, ciaStreamId, flatStreamId, reservationStreamId } from '@vigie/domain';
import { databaseMigratedFrom, type TestDatabase } from '../../../test/support/postgres.js';
import { STREAM_IDS_MIGRATION_ID, streamIdMoves } from './stream-ids.migration.js';

/** Events as the store wrote them before stream ids were built by compositeKey. */
const OLD: Array<{ stream: string; type: string; data: Record<string, unknown> }> = [
  // lmh / x-1 and lmh-x / 1 were one stream: a lease of each, the second one's "version 2".
  { stream: 'attribution-lmh-x-1', type: 'LeaseSigned', data: { bailleurId: 'lmh', caseId: 'x-1', leaseId: 'L-A' } },
  { stream: 'attribution-lmh-x-1', type: 'LeaseCancelled', data: { bailleurId: 'lmh-x', caseId: '1', leaseId: 'L-A' } },
  {
    stream: 'attribution-lmh-D-1',
    type: 'LeaseCorrected',
    data: { lease: { bailleurId: 'lmh', caseId: 'D-1' }, reason: 'x', correctsEventId: 'e' },
  },
  { stream: 'cia-200093201', type: 'CiaAdopted', data: {} },
  { stream: 'flux-lmh-x-2026', type: 'FlatReleased', data: { bailleurId: 'lmh-x', rplsId: '59001' } },
  { stream: 'bilan-lmh-2025', type: 'FluxBilanClosed', data: { bailleurId: 'lmh', year: 2025 } },
  {
    stream: 'reservation-ALS-LMH-59',
    type: 'ReservationConventionSigned',
    data: { conventionId: 'ALS-LMH-59', bailleurId: 'lmh', reservataireId: 'action-logement' },
  },
  { stream: 'reservation-ALS-LMH-59', type: 'ConventionRevised', data: { conventionId: 'ALS-LMH-59' } },
  { stream: 'referential-epci-200093201', type: 'EpciRegistered', data: { siren: '200093201' } },
  {
    stream: 'alert-flux-2025-BILAN_DUE-BILAN-bailleur-lmh',
    type: 'AlertRaised',
    data: { rule: 'BILAN_DUE', epciSiren: null, year: 2025, objective: 'BILAN', scope: { kind: 'bailleur', id: 'lmh' } },
  },
];

describe('Moving the streams written before unambiguous stream ids (migration projections/008-stream-ids)', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await databaseMigratedFrom(STREAM_IDS_MIGRATION_ID, OLD);
  });

  afterAll(async () => {
    await db.drop();
  });

  it('gives every event the stream id the domain computes now, in position order, and splits a shared stream', async () => {
    const { rows } = await db.pool.query<{ stream_id: string; stream_version: number }>(
      'SELECT stream_id, stream_version FROM events ORDER BY global_position',
    );
    expect(rows).toEqual([
      { stream_id: attributionStreamId('lmh', 'x-1'), stream_version: 1 },
      { stream_id: attributionStreamId('lmh-x', '1'), stream_version: 1 },
      { stream_id: attributionStreamId('lmh', 'D-1'), stream_version: 1 },
      { stream_id: ciaStreamId('200093201'), stream_version: 1 },
      // Then moved again by projections/009-flux-flat-streams: one stream per flat.
      { stream_id: flatStreamId('lmh-x', '59001'), stream_version: 1 },
      { stream_id: bilanStreamId('lmh', 2025), stream_version: 1 },
      {
        stream_id: reservationStreamId({ bailleurId: 'lmh', reservataireId: 'action-logement', conventionId: 'ALS-LMH-59' }),
        stream_version: 1,
      },
      {
        stream_id: reservationStreamId({ bailleurId: 'lmh', reservataireId: 'action-logement', conventionId: 'ALS-LMH-59' }),
        stream_version: 2,
      },
      { stream_id: 'referential:epci:200093201', stream_version: 1 },
      {
        stream_id: alertStreamId({
          rule: 'BILAN_DUE',
          epciSiren: null,
          year: 2025,
          objective: 'BILAN',
          scope: { kind: 'bailleur', id: 'lmh' },
        }),
        stream_version: 1,
      },
    ]);
  });

  it('keeps the streams table in step and logs every move', async () => {
    const { rows: streams } = await db.pool.query<{ stream_id: string; version: number }>(
      'SELECT stream_id, version FROM streams ORDER BY stream_id',
    );
    expect(streams.every((stream) => stream.stream_id.includes(':'))).toBe(true);
    expect(streams.find((stream) => stream.stream_id === attributionStreamId('lmh', 'x-1'))?.version).toBe(1);
    expect(streams).toHaveLength(9);
    // 8 old streams moved by 008, and the flux one once more by 009.
    expect(await streamIdMoves(db.pool)).toEqual({ streams: 9, events: 11, merged: 1 });
  });
});
