import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import {
  conventionFlux,
  flatStreamId,
  reservationStreamId,
  termsForYear,
  type FluxFact,
  type ReservationState,
} from '@vigie/domain';
import { PostgresEventStore } from '@vigie/event-store';
import { conventionTerms } from '@vigie/domain/testing/flux.builders.js';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/postgres.js';
import type { Pool } from 'pg';
import { ProjectionRunner } from '../projection-runner.js';
import { FluxProjection } from './flux.projection.js';

/**
 * The flux projection on a real PostgreSQL: whatever the batch size it is fed with, it ends in the
 * same read models (conventions folded across batches, flats' places carried across batches),
 * and the convention's figures computed from them are the same.
 */
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

describe('Flux projection', () => {
  let db: TestDatabase;
  let store: PostgresEventStore;
  const terms = conventionTerms({ bailleurId: 'b', period: { startYear: 2024, endYear: 2026 } });
  const ref = { bailleurId: 'b', reservataireId: terms.reservataireId, conventionId: terms.conventionId };

  beforeAll(async () => {
    db = await createTestDatabase();
    store = new PostgresEventStore(db.pool);
  });
  afterAll(async () => {
    await db.drop();
  });

  const figuresOf = async (suffix: string, year: number) => {
    const { rows: conventions } = await db.pool.query<{ state: ReservationState }>(
      `SELECT state FROM flux_conventions${suffix} WHERE bailleur_id = 'b'`,
    );
    const { rows } = await db.pool.query<{ fact: FluxFact; n: number }>(
      `SELECT fact, n FROM flux_counts${suffix} WHERE bailleur_id = 'b' AND year = $1`,
      [year],
    );
    const state = conventions[0]!.state;
    const figures = conventionFlux({
      terms: state.terms!,
      inForce: termsForYear(state, year)!,
      year,
      referenceDate: '2026-12-31',
      flux: rows.map((row) => ({ ...row.fact, count: row.n })),
      leases: [],
      postCalRefusals: [],
    });
    return {
      agreedBy: state.agreedBy,
      revisions: state.revisions.length,
      netBase: figures.netBase,
      oriented: figures.oriented,
      returned: figures.returned,
      target: figures.target,
    };
  };

  it('gives the same read models whatever its batch size (property over generated flux lives)', async () => {
    let round = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ releaseDay: fc.integer({ min: 300, max: 430 }), orient: fc.boolean(), giveBack: fc.boolean() }), {
          minLength: 1,
          maxLength: 12,
        }),
        fc.integer({ min: 1, max: 7 }),
        async (flats, batchSize) => {
          round += 1;
          const bailleurId = 'b';
          // A fresh log for each run: the projection tables are suffixed by run and batch size.
          await db.pool.query('TRUNCATE events, streams, checkpoints');
          const append = (streamId: string, type: string, data: unknown) =>
            store.append(streamId, [{ eventId: randomUUID(), type, data, metadata: { actor: 'test' } }]);
          await append(reservationStreamId(ref), 'ReservationConventionSigned', { ...terms, agreedBy: ['bailleur'] });
          const day = (n: number) => new Date(Date.UTC(2024, 0, 1) + n * 86_400_000).toISOString().slice(0, 10);
          for (const [i, f] of flats.entries()) {
            const flat = { bailleurId, rplsId: `F${i}` };
            await append(flatStreamId(bailleurId, flat.rplsId), 'FlatReleased', {
              ...flat,
              departement: '59',
              releasedOn: day(f.releaseDay),
              inNetBase: true,
              exclusionReason: null,
            });
            if (!f.orient) continue;
            const convention = { reservataireId: terms.reservataireId, conventionId: terms.conventionId };
            await append(flatStreamId(bailleurId, flat.rplsId), 'FlatOrientedToReservataire', {
              ...flat,
              ...convention,
              orientedOn: day(f.releaseDay + 3),
            });
            if (f.giveBack)
              await append(flatStreamId(bailleurId, flat.rplsId), 'FlatReturnedToBailleur', {
                ...flat,
                ...convention,
                returnedOn: day(f.releaseDay + 10),
                reason: 'délai',
              });
          }
          await append(reservationStreamId(ref), 'ConventionAgreed', {
            conventionId: terms.conventionId,
            party: 'reservataire',
            revisionFromYear: null,
            agreedOn: '2024-01-02',
          });
          const whole = `_w${round}`;
          const batched = `_b${round}`;
          const wholeProjection = new FluxProjection(whole);
          const batchedProjection = new FluxProjection(batched);
          for (const projection of [wholeProjection, batchedProjection]) {
            const client = await db.pool.connect();
            await projection.createTables(client);
            client.release();
          }
          await catchUpToHead(db.pool, new ProjectionRunner(db.pool, wholeProjection, { batchSize: 1_000 }));
          await catchUpToHead(db.pool, new ProjectionRunner(db.pool, batchedProjection, { batchSize }));
          for (const year of [2024, 2025]) {
            const expected = await figuresOf(whole, year);
            expect(await figuresOf(batched, year)).toEqual(expected);
            expect(expected.agreedBy).toEqual(['bailleur', 'reservataire']);
          }
          const total = async (suffix: string) =>
            (await figuresOf(suffix, 2024)).netBase + (await figuresOf(suffix, 2025)).netBase;
          expect(await total(batched)).toBe(flats.length);
          for (const table of wholeProjection.tables.concat(batchedProjection.tables)) await db.pool.query(`DROP TABLE ${table}`);
        },
      ),
      { numRuns: 15 },
    );
  });
});
