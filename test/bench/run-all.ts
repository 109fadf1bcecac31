/**
 * npm run bench — runs every `bench:*` script of package.json, one after the other, each
 * writing its figures as JSON lines (BENCH_RESULTS), then gathers them into docs/benchmarks.md
 * with the machine's cores, the date and the sizes used.
 * BENCH_QUICK=1 runs smaller sizes (a size given in the environment still wins); BENCH_ONLY=a,b
 * runs some benchmarks only.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { benchServer } from './bench-database.js';
import { benchmarksMarkdown, type Failure, type Figure, type Sizes } from './bench-report.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Sizes of the quick mode, per benchmark (the full sizes are each benchmark's defaults). */
const QUICK: Record<string, Record<string, string>> = {
  store: { BENCH_EVENTS: '20000' },
  compliance: { BENCH_EVENTS: '100000', BENCH_SECONDS: '5' },
  import: { BENCH_ROWS: '20000' },
  alerts: { BENCH_SECONDS: '15' },
  'alert-pass': { BENCH_PASSES: '100' },
  flux: { BENCH_FLUX_FACTS: '5000', BENCH_FLUX_WRITES: '100', BENCH_SECONDS: '5' },
  simulation: { BENCH_LEASES: '4000', BENCH_SECONDS: '5' },
  national: { BENCH_NATIONAL_EVENTS: '100000', BENCH_SECONDS: '5' },
};

function run(script: string, env: Record<string, string>): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', '--silent', script], { cwd: ROOT, env: { ...process.env, ...env }, stdio: 'inherit' });
    child.once('exit', (code) => resolve(code));
  });
}

async function postgresVersion(): Promise<string> {
  const server = await benchServer();
  const client = new pg.Client({ connectionString: server.adminUrl });
  await client.connect();
  const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
  await client.end();
  await server.stop();
  return rows[0]!.server_version;
}

async function main(): Promise<void> {
  const quick = process.env.BENCH_QUICK === '1' || process.env.BENCH_QUICK === 'true';
  const only = process.env.BENCH_ONLY?.split(',');
  const scripts = Object.keys(
    (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts,
  )
    .filter((name) => name.startsWith('bench:'))
    .filter((name) => !only || only.includes(name.slice('bench:'.length)));
  const results = join(mkdtempSync(join(tmpdir(), 'vigie-bench-')), 'results.jsonl');
  writeFileSync(results, '');
  const date = new Date();
  const failures: Failure[] = [];
  for (const script of scripts) {
    const bench = script.slice('bench:'.length);
    const sizes = quick ? Object.fromEntries(Object.entries(QUICK[bench] ?? {}).filter(([name]) => !process.env[name])) : {};
    console.log(`\n=== ${script}${Object.keys(sizes).length ? ` (${JSON.stringify(sizes)})` : ''}`);
    const code = await run(script, { ...sizes, BENCH_RESULTS: results });
    if (code !== 0) failures.push({ bench, exitCode: code });
  }
  const lines = readFileSync(results, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as (Figure & { kind: 'figure' }) | (Sizes & { kind: 'sizes' }));
  const markdown = benchmarksMarkdown(
    {
      date,
      cores: cpus().length,
      cpu: cpus()[0]?.model.trim() ?? 'unknown',
      memoryGb: Math.round(totalmem() / 1024 ** 3),
      node: process.version,
      postgres: await postgresVersion(),
      mode: quick ? 'quick' : 'full',
      command: `${quick ? 'BENCH_QUICK=1 ' : ''}npm run bench`,
    },
    lines,
    failures,
  );
  writeFileSync(join(ROOT, 'docs', 'benchmarks.md'), markdown);
  console.log(`\n${markdown}`);
  if (failures.length) process.exit(1);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
