import { benchmarksMarkdown, type Figure, ratioOf } from './bench-report.js';

const context = {
  date: new Date('2026-11-30T10:00:00Z'),
  cores: 2,
  cpu: 'Test CPU',
  memoryGb: 8,
  node: 'v20.0.0',
  postgres: '15.8',
  mode: 'quick' as const,
  command: 'BENCH_QUICK=1 npm run bench',
};

describe('The benchmark document', () => {
  it('gives a rate its ratio as value ÷ baseline, and a time as baseline ÷ value (above 1: better than the baseline)', () => {
    const rate: Figure = {
      bench: 's',
      measure: 'm',
      value: 800,
      unit: 'ev/s',
      target: '≥ 0.8× raw',
      baseline: { name: 'raw', value: 1_000 },
    };
    expect(ratioOf(rate)).toBeCloseTo(0.8);
    expect(ratioOf({ ...rate, unit: 'ms', value: 40, baseline: { name: 'bare', value: 10 } })).toBeCloseTo(0.25);
    expect(ratioOf({ ...rate, baseline: undefined })).toBeNull();
  });

  it('names the machine, the date, the mode and sizes, then each figure with its baseline, ratio and target', () => {
    const markdown = benchmarksMarkdown(context, [
      { kind: 'sizes', bench: 'store', sizes: { BENCH_EVENTS: 20_000 } },
      {
        kind: 'figure',
        bench: 'store',
        measure: 'single-event appends, concurrency 16',
        value: 1_200,
        unit: 'ev/s',
        target: '≥ 0.6× raw',
        baseline: { name: 'raw pg INSERT', value: 3_000 },
      },
      { kind: 'figure', bench: 'alerts', measure: 'p99', value: 120, unit: 'ms', target: 'p99 ≤ 100 ms' },
    ]);
    expect(markdown).toContain('on 2026-11-30 10:00 UTC');
    expect(markdown).toContain('Machine: 2 cores (Test CPU)');
    expect(markdown).toContain('Mode: **quick**');
    expect(markdown).toContain('| store | BENCH_EVENTS = 20,000 |');
    expect(markdown).toContain(
      '| store | single-event appends, concurrency 16 | 1,200 ev/s | raw pg INSERT: 3,000 ev/s | 0.40× | ≥ 0.6× raw |',
    );
    expect(markdown).toContain('| alerts | p99 | 120 ms | — | — | p99 ≤ 100 ms |');
  });

  it('lists the benchmarks that did not finish', () => {
    expect(benchmarksMarkdown(context, [], [{ bench: 'alerts', exitCode: 1 }])).toContain('- alerts: exit code 1');
  });
});
