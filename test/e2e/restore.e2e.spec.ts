import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { loadConfig } from '@vigie/config';
import { LeaseSummaryProjection, ProjectionRunner } from '@vigie/projections';
import { createPool } from '@vigie/postgres';
import { bootstrap, type RunningApp } from '../../apps/api/src/bootstrap.js';
import { TEST_ADMIN_KEY, TEST_PSEUDONYMISATION_KEY } from '../support/app.js';
import { registerOrganisations } from '../support/app.js';
import { type PrivateCluster, startPrivateCluster } from '../support/private-postgres.js';

/** Vigie started, with the test organisations registered (facts name registered organisations only). */
const boot = (...args: Parameters<typeof bootstrap>) =>
  bootstrap(...args).then(async (app) => {
    // One registration event: the bailleur the leases name (registering it again records nothing).
    await registerOrganisations(app.url, { bailleurs: ['lille-metropole-habitat'], reservataires: [] });
    return app;
  });

const AUTH = { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function lease(n: number) {
  return {
    eventId: randomUUID(),
    leaseId: `BAIL-M${n}`,
    caseId: `D-M${n}`,
    bailleurId: 'lille-metropole-habitat',
    leaseDate: '2026-03-02',
    flat: {
      rplsId: '5935000001',
      communeInsee: '59350',
      epciSiren: '200093201',
      qpvCode: null,
      typology: 'T3',
      financing: 'PLUS',
    },
    household: { numeroUnique: `hh-m-${n}`, composition: { personsAged14OrMore: 1, childrenUnder14: 0 }, yearlyResources: 9_800 },
    flags: {},
    reservataireId: null,
    gestionMode: 'directe',
  };
}

async function start(url: string, lines: string[] = []): Promise<RunningApp> {
  const config = loadConfig({
    PORT: '0',
    LOG_LEVEL: 'warn',
    POLL_INTERVAL_MS: '50',
    VIGIE_ADMIN_KEY: TEST_ADMIN_KEY,
    VIGIE_PSEUDONYMISATION_KEY: TEST_PSEUDONYMISATION_KEY,
    DATABASE_URL: url,
  });
  return boot(config, { logDestination: { write: (line: string) => void lines.push(line) } });
}

async function record(app: RunningApp, n: number): Promise<void> {
  const response = await fetch(`${app.url}/v1/leases`, { method: 'POST', headers: AUTH, body: JSON.stringify(lease(n)) });
  expect(response.status).toBe(201);
}

async function leaseTotal(client: Client, table = 'lease_summary'): Promise<number> {
  const { rows } = await client.query<{ total: string | null }>(`SELECT sum(leases) AS total FROM ${table}`);
  return Number(rows[0]?.total ?? 0);
}

async function visible(client: Client): Promise<{ visible: number; total: number }> {
  const { rows } = await client.query<{ visible: string; total: string }>(
    `SELECT count(*) FILTER (WHERE tx_id < pg_snapshot_xmin(pg_current_snapshot())) AS visible, count(*) AS total FROM events`,
  );
  return { visible: Number(rows[0]!.visible), total: Number(rows[0]!.total) };
}

describe('Database dumped and restored onto a server whose transaction counter is behind', () => {
  let source: PrivateCluster;
  let target: PrivateCluster;
  let app: RunningApp | undefined;

  beforeAll(async () => {
    // The source hands out xid8 values above 2^32 (epoch 1), as a long-lived server does.
    [source, target] = await Promise.all([startPrivateCluster({ xidEpoch: 1 }), startPrivateCluster()]);
  }, 90_000);

  afterAll(async () => {
    await app?.close();
    await Promise.all([source?.destroy(), target?.destroy()]);
  });

  it('shows every restored event, in order, and projections equal a rebuild', async () => {
    await source.createDatabase('vsrc');
    app = await start(source.url('vsrc'));
    for (let n = 1; n <= 3; n += 1) await record(app, n);
    await app.close();
    app = undefined;

    const dump = join(source.dir, 'vsrc.dump');
    await source.tool('pg_dump', ['-h', '127.0.0.1', '-p', String(source.port), '-U', 'postgres', '-Fc', '-f', dump, 'vsrc']);
    chmodSync(source.dir, 0o755);
    await target.createDatabase('vdst');
    await target.tool('pg_restore', ['-h', '127.0.0.1', '-p', String(target.port), '-U', 'postgres', '-d', 'vdst', dump]);

    const check = new Client({ connectionString: target.url('vdst') });
    await check.connect();
    try {
      // The fault as restored: no event passes the readers' filter.
      const restored = await visible(check);
      expect(restored).toEqual({ visible: 0, total: 4 });
      const { rows: before } = await check.query<{ global_position: string; event_id: string }>(
        'SELECT global_position, event_id FROM events ORDER BY global_position',
      );

      const lines: string[] = [];
      app = await start(target.url('vdst'), lines);
      expect(lines.join('\n')).toMatch(/Event log: 4 events \(positions 1–4\) carried transaction ids from another server/);
      await record(app, 4);

      const deadline = Date.now() + 15_000;
      while ((await leaseTotal(check)) < 4 && Date.now() < deadline) await sleep(50);
      expect(await visible(check)).toEqual({ visible: 5, total: 5 });
      expect(await leaseTotal(check)).toBe(4);
      // Positions and their order are those of the source; the new lease comes after them.
      const { rows: after } = await check.query<{ global_position: string; event_id: string }>(
        'SELECT global_position, event_id FROM events ORDER BY global_position',
      );
      expect(after.slice(0, 4)).toEqual(before);
      expect(Number(after[4]!.global_position)).toBeGreaterThan(4);

      // A rebuild from position 0 gives the same read model as the live projection.
      const pool = createPool(target.url('vdst'), 4);
      try {
        const fresh = new LeaseSummaryProjection('lease_summary_restore_check');
        const setup = await pool.connect();
        await fresh.createTables(setup);
        setup.release();
        const runner = new ProjectionRunner(pool, fresh, { batchSize: 2 });
        let applied = 0;
        for (let count = await runner.runOnce(); count > 0; count = await runner.runOnce()) applied += count;
        expect(applied).toBe(5);
      } finally {
        await pool.end();
      }
      const columns = 'epci_siren, year, bailleur_id, reservataire_id, in_qpv, leases';
      const live = await check.query(`SELECT ${columns} FROM lease_summary ORDER BY ${columns}`);
      const rebuilt = await check.query(`SELECT ${columns} FROM lease_summary_restore_check ORDER BY ${columns}`);
      expect(rebuilt.rows).toEqual(live.rows);
      expect(await leaseTotal(check, 'lease_summary_restore_check')).toBe(4);

      // A second start finds nothing more to repair.
      await app.close();
      const again: string[] = [];
      app = await start(target.url('vdst'), again);
      expect(again.join('\n')).not.toMatch(/Event log:/);
    } finally {
      await check.end();
    }
  }, 120_000);
});
