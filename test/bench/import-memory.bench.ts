/**
 * npm run bench:import-memory — the memory a big import takes: a CSV of BENCH_MB megabytes
 * (200 unless said; leases, written to disk line by line) sent by the CLI
 * (`node bin/vigie.mjs import FILE --apercu`: a preview, every row read, checked and decided, nothing
 * written) to the API running in its own process. Prints the API's resident memory before, its
 * peak during the import, and the CLI's peak, sampled from /proc every 100 ms. Streaming keeps
 * both flat whatever the file's size; a file held whole shows its size (and more) in the peak.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventStoreMigrations } from '@vigie/event-store';
import { projectionMigrations } from '@vigie/projections';
import { createPool, migrate } from '@vigie/postgres';
import { LEASE_HEADER, leaseLine } from './import-files.js';
import { BENCH_ADMIN_KEY, benchFetch, benchServer, createDatabase, dropDatabase, startApiProcess } from './bench-database.js';
import { reportFigure, reportSizes } from './bench-report.js';

const MB = Number(process.env.BENCH_MB ?? 200);
/**
 * BENCH_VALID=true: every row valid (decided by the pipeline, ~600 rows/s in a preview here: a
 * 200 MB file takes most of an hour). Otherwise every row has a date that does not exist
 * (30/02/2026): the file still goes through everything that grows with its size — upload,
 * encoding detection, the column check's pass, parsing, each cell's reader, the report — at the
 * speed of reading, and no row reaches the store.
 */
const VALID = process.env.BENCH_VALID === 'true';

/** Resident memory of a process, in MB (0 once it has exited). */
function rssMb(pid: number): number {
  try {
    const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return Number(kb ?? 0) / 1024;
  } catch {
    return 0;
  }
}

/** A lease CSV of at least `mb` megabytes, written line by line (never whole in memory); its row count. */
async function writeFile(path: string, mb: number): Promise<number> {
  const out = createWriteStream(path);
  let bytes = 0;
  let rows = 0;
  const write = async (line: string) => {
    bytes += Buffer.byteLength(line) + 1;
    if (!out.write(`${line}\n`)) await once(out, 'drain');
  };
  await write(LEASE_HEADER);
  while (bytes < mb * 1e6) {
    const line = leaseLine(rows++, { prefix: 'M' });
    await write(VALID ? line : line.replace(/;2026-\d\d-\d\d;/, ';30/02/2026;'));
  }
  out.end();
  await once(out, 'finish');
  return rows;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'vigie-bench-import-memory-'));
  const file = join(dir, 'baux.csv');
  const rows = await writeFile(file, MB);
  const size = statSync(file).size / 1e6;
  const server = await benchServer();
  const dbName = `vigie_bench_import_mem_${Date.now().toString(36)}`;
  const url = await createDatabase(server.adminUrl, dbName);
  const pool = createPool(url, 2);
  await migrate(pool, [...eventStoreMigrations, ...projectionMigrations]);
  const api = await startApiProcess(url, { POLL_INTERVAL_MS: '200' });
  for (const bailleur of ['lmh', 'vilogia', 'partenord'])
    await benchFetch(`${api.base}/v1/bailleurs/${bailleur}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: bailleur, siren: null }),
    });
  for (const [reservataire, kind] of [
    ['action-logement', 'action_logement'],
    ['mel', 'collectivite'],
  ])
    await benchFetch(`${api.base}/v1/reservataires/${reservataire}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: reservataire, kind }),
    });
  console.log(
    `Import memory benchmark: ${rows.toLocaleString('en-US')} leases, ${size.toFixed(0)} MB of CSV, preview (--apercu)`,
  );

  const apiBefore = rssMb(api.pid);
  const started = performance.now();
  const cli = spawn(
    process.execPath,
    [fileURLToPath(new URL('../../bin/vigie.mjs', import.meta.url)), 'import', file, '--api', api.base, '--apercu'],
    { env: { ...process.env, VIGIE_API_KEY: BENCH_ADMIN_KEY }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  cli.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  cli.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  let apiPeak = apiBefore;
  let cliPeak = 0;
  const sampler = setInterval(() => {
    apiPeak = Math.max(apiPeak, rssMb(api.pid));
    cliPeak = Math.max(cliPeak, rssMb(cli.pid!));
  }, 100);
  const [code] = (await once(cli, 'exit')) as [number];
  clearInterval(sampler);
  const seconds = (performance.now() - started) / 1_000;
  await api.stop();

  reportSizes({ bench: 'import-memory', sizes: { BENCH_MB: MB } });
  reportFigure({
    bench: 'import-memory',
    measure: `API peak resident memory, ${size.toFixed(0)} MB CSV import`,
    value: Math.round(apiPeak),
    unit: 'MB',
    target: 'flat (independent of the file size)',
  });
  reportFigure({
    bench: 'import-memory',
    measure: `CLI peak resident memory, ${size.toFixed(0)} MB CSV import`,
    value: Math.round(cliPeak),
    unit: 'MB',
    target: 'flat (independent of the file size)',
  });
  console.log(
    output
      .split('\n')
      .filter((line) => !line.startsWith('['))
      .slice(0, 8)
      .join('\n'),
  );
  console.log('\n| file | rows | CLI exit | seconds | API RSS before | API peak RSS | CLI peak RSS |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  console.log(
    `| ${size.toFixed(0)} MB CSV | ${rows.toLocaleString('en-US')} | ${code} | ${seconds.toFixed(0)} | ${apiBefore.toFixed(0)} MB | ${apiPeak.toFixed(0)} MB | ${cliPeak.toFixed(0)} MB |`,
  );

  await pool.end();
  await dropDatabase(server.adminUrl, dbName);
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
