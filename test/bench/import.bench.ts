/**
 * npm run bench:import — 100 000 leases (BENCH_ROWS overrides) as the bailleur's CSV export,
 * imported through the running API (its own process, projector in-process as by default):
 * rows persisted per second, then how long after the import ends the compliance projection
 * has caught up; then the same leases (other references) as French Excel saves them — a
 * Windows-1252 CSV and an XLSX made by exceljs — each with its rows/s next to the event store's
 * own batched append over many streams (1 000 events per call over 1 000 streams, one
 * transaction: the ceiling an import can reach) measured in the same run, with the ratio;
 * finally a small file with planted errors and its rejected-row report.
 */
import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { attributionStreamId } from '@vigie/domain';
import { PostgresEventStore } from '@vigie/event-store';
import { syntheticLease } from '../support/lease-events.js';
import { eventStoreMigrations } from '@vigie/event-store';
import { projectionMigrations } from '@vigie/projections';
import { createPool, migrate } from '@vigie/postgres';
import { LEASE_HEADER, leaseLine } from './import-files.js';
import { BENCH_AUTH, benchFetch, benchServer, createDatabase, dropDatabase, startApiProcess, timed } from './bench-database.js';
import { reportFigure, reportSizes } from './bench-report.js';

const ROWS = Number(process.env.BENCH_ROWS ?? 100_000);
/** Events per call of the ceiling: as many as an import chunk appends in one transaction. */
const CEILING_BATCH = 1_000;

function csv(rows: number, planted = false, prefix = ''): string {
  const lines = [LEASE_HEADER];
  for (let i = 0; i < rows; i += 1) lines.push(leaseLine(i, { prefix, planted }));
  return lines.join('\n');
}

/** The same rows as an XLSX workbook made by exceljs (identifiers as text, the lease date a real date cell). */
async function xlsx(text: string): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('Baux');
  const [header, ...rows] = text.split('\n');
  const columns = header!.split(';');
  sheet.addRow(columns);
  for (const row of rows) {
    const cells: unknown[] = row.split(';');
    cells[columns.indexOf('date_bail')] = new Date(`${cells[columns.indexOf('date_bail')] as string}T00:00:00Z`);
    sheet.addRow(cells);
  }
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

/** The event store's own batched append: `rows` LeaseSigned events, CEILING_BATCH per call over as many new streams, one transaction each. */
async function storeCeiling(url: string, rows: number, run: number): Promise<number> {
  const pool = createPool(url, 2);
  const store = new PostgresEventStore(pool);
  const { seconds } = await timed(async () => {
    for (let start = 0; start < rows; start += CEILING_BATCH) {
      await store.appendMany(
        Array.from({ length: Math.min(CEILING_BATCH, rows - start) }, (_, k) => {
          const data = syntheticLease(start + k);
          return {
            streamId: attributionStreamId(data.bailleurId, `${data.caseId}-ceiling-${run}`),
            events: [{ eventId: randomUUID(), type: 'LeaseSigned', data, metadata: { actor: 'bench', source: 'bench' } }],
            expectedVersion: 'no_stream' as const,
          };
        }),
      );
    }
  });
  await pool.end();
  return rows / seconds;
}

/**
 * POST of a file to the import on a connection of its own (never a kept-alive one that the server
 * may close, after its 5 s keep-alive timeout, while this process is busy building the next file:
 * the body then meets a closed socket, EPIPE), answered once the whole answer has arrived. When
 * the server answers before reading the whole body (a 4xx, a timeout), that answer is what fails
 * the benchmark, not the broken pipe it causes.
 */
function postFile(url: string, type: string, body: Buffer | string): Promise<{ status: number; json: () => Promise<unknown> }> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const request = httpRequest(
      url,
      {
        method: 'POST',
        agent: false,
        headers: { ...BENCH_AUTH, 'content-type': type, 'content-length': Buffer.byteLength(body) },
      },
      (response) => {
        answered = true;
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if ((response.statusCode ?? 0) >= 300) reject(new Error(`POST ${url}: ${response.statusCode} ${text}`));
          else resolve({ status: response.statusCode!, json: async () => JSON.parse(text) as unknown });
        });
      },
    );
    // Writing the rest of a body the server has already answered fails: its answer tells why.
    request.on('error', (error) => (answered ? undefined : reject(error)));
    request.end(body);
  });
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
  const response = await postFile(`${base}/v1/imports`, 'text/csv', file);
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
  const again = (await (await postFile(`${base}/v1/imports`, 'text/csv', file)).json()) as { id: string };
  const second = await waitJson<Report>(`${base}/v1/imports/${again.id}`, (r) => r.status === 'termine' || r.status === 'echoue');
  const resendSeconds = (performance.now() - resend) / 1_000;

  // Other leases of the same shape (other references and households) as French Excel saves them,
  // each next to the store's own ceiling measured right after it.
  const formats: { name: string; type: string; body: Buffer | string }[] = [
    { name: 'CSV UTF-8 (above)', type: 'text/csv', body: '' },
    { name: 'CSV Windows-1252', type: 'text/csv', body: iconv.encode(csv(ROWS, false, 'W'), 'windows-1252') },
    {
      name: 'XLSX (exceljs)',
      type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      body: await xlsx(csv(ROWS, false, 'X')),
    },
  ];
  const table: string[] = [];
  for (const format of formats) {
    let rowsPerSecond = report.accepted / importSeconds;
    let done: Report & { encoding: string | null } = { ...report, encoding: 'UTF-8' };
    if (format.body !== '') {
      const t0 = performance.now();
      const sent = await postFile(`${base}/v1/imports`, format.type, format.body);
      done = await waitJson<Report & { encoding: string | null }>(
        `${base}/v1/imports/${((await sent.json()) as { id: string }).id}`,
        (r) => ['termine', 'echoue', 'refuse', 'interrompu'].includes(r.status),
      );
      rowsPerSecond = done.accepted / ((performance.now() - t0) / 1_000);
    }
    // A format that did not record every lease measured nothing worth a ratio.
    if (done.status !== 'termine' || done.accepted !== ROWS)
      throw new Error(
        `${format.name}: ${done.status}, ${done.accepted} of ${ROWS} accepted ${JSON.stringify(done.rejections.slice(0, 3))}`,
      );
    const ceiling = await storeCeiling(url, ROWS, table.length);
    reportFigure({
      bench: 'import',
      measure: `${format.name.replace(' (above)', '')} import, rows persisted as events (${ROWS} leases)`,
      value: Math.round(rowsPerSecond),
      unit: 'rows/s',
      target: '≥ 0.8× the store’s batched multi-stream append',
      baseline: { name: `store batched append, ${CEILING_BATCH} streams/tx`, value: Math.round(ceiling) },
    });
    table.push(
      `| ${format.name} | ${done.encoding ?? '—'} | ${done.accepted.toLocaleString('en-US')} | ${Math.round(rowsPerSecond).toLocaleString('en-US')} | ${Math.round(ceiling).toLocaleString('en-US')} | ${(rowsPerSecond / ceiling).toFixed(2)} |`,
    );
    // Printed as soon as measured: a long run stopped midway still tells what it measured.
    console.log(`measured: ${table.at(-1)!}`);
  }

  const plantedStart = await postFile(`${base}/v1/imports`, 'text/csv', csv(20, true, 'P'));
  const planted = await waitJson<Report>(
    `${base}/v1/imports/${((await plantedStart.json()) as { id: string }).id}`,
    (r) => r.status === 'termine',
  );
  await api.stop();

  reportSizes({ bench: 'import', sizes: { BENCH_ROWS: ROWS } });
  reportFigure({
    bench: 'import',
    measure: 'projections caught up after the import ended',
    value: Math.round(catchUpSeconds * 1_000),
    unit: 'ms',
    target: '≤ 10 000 ms',
  });
  reportFigure({
    bench: 'import',
    measure: 'same file sent again (nothing recorded)',
    value: Math.round(ROWS / resendSeconds),
    unit: 'rows/s',
    target: '—',
  });
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
  console.log('\n| format | encoding read | rows accepted | import rows/s | store batched append rows/s (same run) | ratio |');
  console.log('|---|---|---:|---:|---:|---:|');
  for (const line of table) console.log(line);
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
