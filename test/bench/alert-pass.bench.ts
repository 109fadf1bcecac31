/**
 * npm run bench:alert-pass — the computing of one alert-monitor pass on a large EPCI-year, in
 * process (no database): BENCH_LEASES leases (12 000 unless said, 60 s of the alerts bench at
 * 200 /s) over BENCH_BAILLEURS bailleurs (400) held by the live figures; then, over and over, one
 * lease more and a pass. Baseline, same run: the pass observing the whole report (every scope of
 * the EPCI-year computed and observed, as on a first pass or a new day); measured: the pass
 * computing and observing only the scopes that lease moved (and the EPCI's own), as the monitor
 * does between them. Both give the same observations for those scopes (live-compliance spec).
 */
import fc from 'fast-check';
import { DEFAULT_ALERT_SETTINGS, legalDefaultCia, LiveCompliance, observeAlerts, type LeaseFact } from '@vigie/domain';
import { arbitraryFact } from '../fixtures/compliance-arbitraries.js';
import { reportFigure, reportSizes } from './bench-report.js';

const LEASES = Number(process.env.BENCH_LEASES ?? 12_000);
const BAILLEURS = Number(process.env.BENCH_BAILLEURS ?? 400);
const PASSES = Number(process.env.BENCH_PASSES ?? 300);
const MEL = '200093201';
const REFERENCE_DATE = '2026-11-30';

/** Mean milliseconds of `pass` over PASSES runs, after a warm-up. */
function meanMs(pass: (i: number) => void): number {
  for (let i = 0; i < 20; i += 1) pass(i);
  const started = performance.now();
  for (let i = 0; i < PASSES; i += 1) pass(i);
  return (performance.now() - started) / PASSES;
}

function main(): void {
  const facts: LeaseFact[] = fc.sample(arbitraryFact, { numRuns: LEASES + PASSES + 20, seed: 20_261_201 }).map((fact, i) => ({
    ...fact,
    bailleurId: `bailleur-${i % BAILLEURS}`,
    leaseDate: `2026-${String(1 + (i % 10)).padStart(2, '0')}-15`,
  }));
  const live = new LiveCompliance({ cia: legalDefaultCia(MEL, 2026), thresholdPerUc: 10_000 }, MEL, 2026);
  for (const fact of facts.slice(0, LEASES)) live.add(fact);
  live.report('bailleur', REFERENCE_DATE);
  live.takeChangedScopes();
  const next = (i: number) => facts[LEASES + (i % (PASSES + 20))]!;
  const whole = meanMs((i) => {
    live.add(next(i));
    live.takeChangedScopes();
    observeAlerts(live.report('bailleur', REFERENCE_DATE), DEFAULT_ALERT_SETTINGS, true);
    live.remove(next(i));
  });
  const changed = meanMs((i) => {
    live.add(next(i));
    observeAlerts(live.report('bailleur', REFERENCE_DATE, live.takeChangedScopes()), DEFAULT_ALERT_SETTINGS, true);
    live.remove(next(i));
  });
  reportSizes({ bench: 'alert-pass', sizes: { BENCH_LEASES: LEASES, BENCH_BAILLEURS: BAILLEURS, BENCH_PASSES: PASSES } });
  reportFigure({
    bench: 'alert-pass',
    measure: `alert-monitor pass after one lease, ${LEASES.toLocaleString('en-US')} leases over ${BAILLEURS} bailleurs: changed scopes only`,
    value: Number(changed.toFixed(3)),
    unit: 'ms',
    target: '—',
    baseline: { name: 'every scope of the EPCI-year', value: Number(whole.toFixed(3)) },
  });
  console.log(
    `\nAlert-monitor pass (computing only), ${LEASES.toLocaleString('en-US')} leases over ${BAILLEURS} bailleurs, ${PASSES} passes:`,
  );
  console.log('\n| measure | value |');
  console.log('|---|---:|');
  console.log(`| every scope computed and observed (baseline, same run) | ${whole.toFixed(2)} ms |`);
  console.log(`| the scopes the lease moved (and the EPCI's) | ${changed.toFixed(2)} ms |`);
  console.log(`| ratio | ${(whole / changed).toFixed(1)}× faster |`);
}

main();
