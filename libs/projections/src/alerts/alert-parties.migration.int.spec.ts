import { randomUUID } from 'node:crypto';
import { alertStreamId, reservationStreamId, type AlertSubject } from '@vigie/domain';
import { migrate } from '@vigie/postgres';
import { allMigrations, createTestDatabase, type TestDatabase, untilVisible } from '../../../../test/support/postgres.js';
import { ProjectionRunner } from '../projection-runner.js';
import { alertPartiesMigration, AlertsProjection, listAlerts } from './alerts.projection.js';

const MEL = '200093201';
const PRIO: AlertSubject = {
  rule: 'RATE_BELOW_TARGET',
  epciSiren: MEL,
  year: 2026,
  objective: 'PRIO',
  scope: { kind: 'bailleur_reservataire', id: 'lmh:action-logement' },
};
/** Raised before alerts named their convention's département. */
const FLUX: AlertSubject = {
  rule: 'FLUX_DRIFT',
  epciSiren: null,
  year: 2026,
  objective: 'FLUX',
  scope: { kind: 'convention', id: 'lmh:action-logement:ALS-LMH-62' },
};
const measure = { numerator: 2, denominator: 25, rate: 0.08, target: 0.3, threshold: 0.28, neededToTarget: 6 };

describe('Alerts recorded before their parties (migration projections/012-alert-parties)', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase({ migrate: false });
    const before = allMigrations.findIndex((migration) => migration.id === alertPartiesMigration.id);
    expect(before).toBeGreaterThan(0);
    await migrate(db.pool, allMigrations.slice(0, before));
    const events = [
      {
        stream: reservationStreamId({ bailleurId: 'lmh', reservataireId: 'action-logement', conventionId: 'ALS-LMH-62' }),
        type: 'ReservationConventionSigned',
        data: { bailleurId: 'lmh', reservataireId: 'action-logement', conventionId: 'ALS-LMH-62', departement: '62' },
      },
      ...[PRIO, FLUX].map((subject) => ({
        stream: alertStreamId(subject),
        type: 'AlertRaised',
        data: { ...subject, measure, evidence: { position: 1, scopePosition: 1 }, raisedAt: '2026-05-04T08:00:00.000Z' },
      })),
    ];
    for (const event of events) {
      await db.pool.query(
        `INSERT INTO events (stream_id, stream_version, event_id, event_type, schema_version, data, metadata)
         VALUES ($1, 1, $2, $3, 1, $4, '{}')`,
        [event.stream, randomUUID(), event.type, event.data],
      );
      await db.pool.query('INSERT INTO streams (stream_id, version) VALUES ($1, 1)', [event.stream]);
    }
    // The alerts projection had read them, as it then did (no parties).
    await untilVisible(db.pool);
    await new ProjectionRunner(db.pool, {
      name: 'alerts',
      tables: ['alerts'],
      dataOf: ['AlertRaised', 'AlertResolved'],
      createTables: async () => undefined,
      apply: async (client, batch) => {
        for (const event of batch)
          if (event.type === 'AlertRaised')
            await client.query(
              `INSERT INTO alerts (stream_id, status, epci_siren, year, rule, objective, scope_kind, scope_id, raised_at, position, event_id, alert)
               VALUES ($1, 'ouverte', $2, 2026, 'X', 'X', 'x', 'x', now(), $3, $4, '{}')`,
              [event.streamId, (event.data as AlertSubject).epciSiren, event.globalPosition, event.eventId],
            );
      },
    }).catchUp();
    expect((await db.pool.query('SELECT count(*)::int AS n FROM alerts')).rows[0].n).toBe(2);
    await migrate(db.pool, allMigrations);
  });

  afterAll(async () => {
    await db.drop();
  });

  it('reads every alert again from the log, each with its parties (a convention’s département from its signature)', async () => {
    expect((await db.pool.query('SELECT count(*)::int AS n FROM alerts')).rows[0].n).toBe(0);
    const runner = new ProjectionRunner(db.pool, new AlertsProjection());
    await runner.catchUp();
    const alerts = await listAlerts(db.pool, {});
    expect(Object.fromEntries(alerts.map((alert) => [alert.alertId, alert.parties]))).toEqual({
      [alertStreamId(PRIO)]: { epciSiren: MEL, departements: [], bailleurs: ['lmh'], reservataires: ['action-logement'] },
      [alertStreamId(FLUX)]: { epciSiren: null, departements: ['62'], bailleurs: ['lmh'], reservataires: ['action-logement'] },
    });
    expect(await listAlerts(db.pool, { audience: { kind: 'departement', id: '62', epciSirens: [] } })).toHaveLength(1);
    expect(await listAlerts(db.pool, { audience: { kind: 'bailleur', id: 'vilogia' } })).toHaveLength(0);
  });
});
