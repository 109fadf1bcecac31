/**
 * npm run bench:import — 100 000 leases (BENCH_ROWS overrides) as the bailleur's CSV export,
 * imported through the running API (its own process, projector in-process as by default):
 * rows persisted per second, then how long after the import ends the compliance projection
 * has caught up; finally a small file with planted errors and its rejected-row report.
 */
import { attributionStreamId } from '@vigie/domain';
import { eventStoreMigrations, PostgresEventStore } from '@vigie/event-store';
import { projectionMigrations } from '@vigie/projections';
import { createPool, migrate } from '@vigie/postgres';
import { TerritorialReferential } from '@vigie/referential';
import {
  benchFetch,
  benchServer,
  createDatabase,
  dropDatabase,
  leaseEvent,
  RAW_TABLE,
  rawInsertSql,
  rawParams,
  startApiProcess,
  timed,
} from './bench-database.js';
import { reportFigure, reportSizes } from './bench-report.js';

const ROWS = Number(process.env.BENCH_ROWS ?? 100_000);
const HEADER =
  'type;reference_bail;reference_dossier;bailleur;date_bail;rpls;code_insee;siren_epci;code_qpv;typologie;financement;menage;personnes_14_ans_et_plus;enfants_moins_14_ans;revenus_annuels;dalo;categorie_prioritaire;reloge_ru;reloge_copro;mutation_interne;mobilite_inter_bailleurs;agent_public;reservataire;mode_gestion';

function csv(rows: number, planted = false): string {
  const mel = new TerritorialReferential().epci('200093201')!;
  const lines = [HEADER];
  for (let i = 0; i < rows; i += 1) {
    const commune = planted && i % 10 === 3 ? '62041' : mel.communes[i % mel.communes.length]!;
    const date =
      planted && i % 10 === 5
        ? '2026-02-30'
        : `2026-${String(1 + (i % 10)).padStart(2, '0')}-${String(1 + (i % 28)).padStart(2, '0')}`;
    const household = planted && i % 10 === 7 ? '' : `hh-bench-${i}`;
    lines.push(
      [
        'bail',
        `B-${i}`,
        `D-${i}`,
        ['lmh', 'vilogia', 'partenord'][i % 3],
        date,
        `59${String(i).padStart(9, '0')}`,
        commune,
        '200093201',
        '',
        ['T1', 'T2', 'T3', 'T4'][i % 4],
        'PLUS',
        household,
        String(1 + (i % 3)),
        String(i % 3),
        i % 17 === 0 ? '' : String(6_000 + (i % 30_000)),
        i % 5 === 0 ? 'oui' : 'non',
        '',
        'non',
        'non',
        i % 23 === 0 ? 'oui' : 'non',
        'non',
        'non',
        ['', 'action-logement', 'mel'][i % 3],
        'directe',
      ].join(';'),
    );
  }
  return lines.join('\n');
}

async function waitJson<T>(url: string, accept: (body: T) => boolean, timeoutMs = 600_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const body = await benchFetch(url)
      .then((response) => response.json() as Promise<T>)
      .catch(() => undefined);
    if (body !== undefined && accept(body)) return body;
    if (Date.now() > deadline) throw new Error(`timeout on ${url}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function main(): Promise<void> {
  const server = await benchServer();
  const dbName = `vigie_bench_import_${Date.now().toString(36)}`;
  const url = await createDatabase(server.adminUrl, dbName);
  const pool = createPool(url, 2);
  await migrate(pool, [...eventStoreMigrations, ...projectionMigrations]);
  const api = await startApiProcess(url, { POLL_INTERVAL_MS: '50' });
  const base = api.base;
  // Facts name registered organisations only.
  for (const bailleur of ['lmh', 'vilogia', 'partenord'])
    await benchFetch(`${base}/v1/bailleurs/${bailleur}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: bailleur, siren: null }),
    });
  for (const [reservataire, kind] of [
    ['action-logement', 'action_logement'],
    ['mel', 'collectivite'],
  ])
    await benchFetch(`${base}/v1/reservataires/${reservataire}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: reservataire, kind }),
    });

  const file = csv(ROWS);
  console.log(
    `Import benchmark: ${ROWS.toLocaleString('en-US')} leases, ${(file.length / 1e6).toFixed(1)} MB of CSV, PostgreSQL at ${new URL(server.adminUrl).host}`,
  );
  const started = performance.now();
  const response = await benchFetch(`${base}/v1/imports`, {
    method: 'POST',
    headers: { 'content-type': 'text/csv' },
    body: file,
  });
  const { id } = (await response.json()) as { id: string };
  type Report = {
    status: string;
    accepted: number;
    rejected: number;
    alreadyImported: number;
    rowsPerSecond: number;
    rejections: Array<{ line: number; field: string; code: string; message: string }>;
  };
  const report = await waitJson<Report>(`${base}/v1/imports/${id}`, (r) => r.status === 'termine' || r.status === 'echoue');
  const importSeconds = (performance.now() - started) / 1_000;
  type Health = { headPosition: number; projector: { projections: Array<{ name: string; lag: number }> } };
  await waitJson<Health>(
    `${base}/health`,
    (h) => h.projector.projections.every((p) => p.lag === 0) && h.headPosition >= report.accepted,
  );
  const catchUpSeconds = (performance.now() - started) / 1_000 - importSeconds;

  const resend = performance.now();
  const again = (await (
    await benchFetch(`${base}/v1/imports`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: file })
  ).json()) as { id: string };
  const second = await waitJson<Report>(`${base}/v1/imports/${again.id}`, (r) => r.status === 'termine' || r.status === 'echoue');
  const resendSeconds = (performance.now() - resend) / 1_000;

  const plantedStart = await benchFetch(`${base}/v1/imports`, {
    method: 'POST',
    headers: { 'content-type': 'text/csv' },
    body: csv(20, true).replaceAll('B-', 'P-').replaceAll('D-', 'PD-'),
  });
  const planted = await waitJson<Report>(
    `${base}/v1/imports/${((await plantedStart.json()) as { id: string }).id}`,
    (r) => r.status === 'termine',
  );
  await api.stop();

  // Same-run ceilings for as many rows: the store's own batched multi-stream append (1 000
  // leases over 1 000 streams per transaction), and raw multi-row INSERTs of the same events.
  const store = new PostgresEventStore(pool);
  const PER_CALL = 1_000;
  const ceiling = await timed(async () => {
    for (let start = 0; start < ROWS; start += PER_CALL) {
      await store.appendMany(
        Array.from({ length: Math.min(PER_CALL, ROWS - start) }, (_, k) => {
          const event = leaseEvent(start + k);
          return {
            streamId: attributionStreamId('ceiling', `C-${start + k}`),
            events: [event],
            expectedVersion: 'no_stream' as const,
          };
        }),
      );
    }
  });
  await store.close();
  await pool.query(RAW_TABLE);
  const raw = await timed(async () => {
    for (let start = 0; start < ROWS; start += PER_CALL) {
      const count = Math.min(PER_CALL, ROWS - start);
      const batch = Array.from({ length: count }, (_, k) => ({
        streamId: `raw-${start + k}`,
        version: 1,
        event: leaseEvent(start + k),
      }));
      await pool.query(rawInsertSql(count), rawParams(batch));
    }
  });
  const importRate = Math.round(report.accepted / importSeconds);
  const storeRate = Math.round(ROWS / ceiling.seconds);
  const rawRate = Math.round(ROWS / raw.seconds);

  console.log('\n| measure | value | target |');
  console.log('|---|---:|---:|');
  console.log(
    `| rows persisted as events (POST to report "termine") | ${Math.round(report.accepted / importSeconds).toLocaleString('en-US')} rows/s (${report.accepted.toLocaleString('en-US')} in ${importSeconds.toFixed(1)} s) | ≥ 10 000 rows/s |`,
  );
  console.log(
    `| compliance and summary projections caught up after the import ended | ${catchUpSeconds.toFixed(1)} s | ≤ 10 s |`,
  );
  console.log(
    `| same file sent again (nothing recorded) | ${second.alreadyImported.toLocaleString('en-US')} already imported, ${second.accepted} accepted, in ${resendSeconds.toFixed(1)} s | — |`,
  );
  console.log(
    `| same-run ceilings: store batched append / raw multi-row INSERT | ${storeRate.toLocaleString('en-US')} / ${rawRate.toLocaleString('en-US')} ev/s | baselines |`,
  );
  reportSizes({ bench: 'import', sizes: { BENCH_ROWS: ROWS } });
  reportFigure({
    bench: 'import',
    measure: `CSV import, rows persisted as events (${ROWS} leases, POST to "termine")`,
    value: importRate,
    unit: 'rows/s',
    target: '≥ 0.8× the store’s batched multi-stream append',
    baseline: { name: 'store batched append, 1 000 streams/tx', value: storeRate },
  });
  reportFigure({
    bench: 'import',
    measure: 'CSV import, against raw pg',
    value: importRate,
    unit: 'rows/s',
    target: '—',
    baseline: { name: 'raw pg multi-row INSERT', value: rawRate },
  });
  reportFigure({
    bench: 'import',
    measure: 'projections caught up after the import ended',
    value: Math.round(catchUpSeconds * 1_000),
    unit: 'ms',
    target: '≤ 10 000 ms',
  });
  reportFigure({
    bench: 'import',
    measure: `same file sent again (nothing recorded)`,
    value: Math.round(ROWS / resendSeconds),
    unit: 'rows/s',
    target: '—',
  });
  console.log(`\nFile with planted errors (20 rows): ${planted.accepted} accepted, ${planted.rejected} rejected`);
  for (const r of planted.rejections) console.log(`  ligne ${r.line}, ${r.field}: ${r.code} — ${r.message}`);

  await pool.end();
  await dropDatabase(server.adminUrl, dbName);
  await server.stop();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
