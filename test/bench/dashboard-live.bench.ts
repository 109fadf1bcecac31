/**
 * npm run bench:dashboard — how long after a lease is accepted an EPCI's open page shows it:
 * BENCH_LIVE_LEASES (default 100) leases posted one at a time through the API while Debian's
 * Chromium (playwright-core) shows the EPCI page; for each, the time from the POST to the HQ1
 * card showing the new numerator / denominator without reload (p50 / p99, target ≤ 2 s). Same-run
 * baseline: the time from the POST to the compliance API itself answering the new figure (the
 * projection's own delay), measured on the same leases; the ratio says what the page adds.
 */
import { randomUUID } from 'node:crypto';
import { launchChromium } from '../support/browser.js';
import { reportFigure, reportSizes } from './bench-report.js';
import { benchFetch, benchServer, createDatabase, dropDatabase, startApiProcess } from './bench-database.js';

const LEASES = Number(process.env.BENCH_LIVE_LEASES ?? 100);
const MEL = '200093201';
const tag = Date.now().toString(36);

/** The p-th percentile (nearest rank) of a list of durations. */
const percentile = (values: readonly number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};

/** The page's document, as the browser functions below see it (Node's types do not describe the DOM). */
interface Document {
  querySelector(selector: string): { textContent: string | null } | null;
}

async function main(): Promise<void> {
  const server = await benchServer();
  const dbName = `vigie_bench_dashboard_${tag}`;
  const url = await createDatabase(server.adminUrl, dbName);
  const api = await startApiProcess(url, { VIGIE_SESSION_SECRET: 'benchmark-session-secret-0123456789abcdef' });
  const send = async (method: string, path: string, body: unknown) => {
    const response = await benchFetch(`${api.base}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const answer = (await response.json()) as Record<string, unknown>;
    if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(answer)}`);
    return answer;
  };
  const hq1 = async () => {
    const response = await benchFetch(`${api.base}/v1/epcis/${MEL}/compliance?year=2026`);
    const report = (await response.json()) as {
      objectives: { id: string; scopes: { scope: { kind: string }; figure: { numerator: number; denominator: number } }[] }[];
    };
    const figure = report.objectives.find((o) => o.id === 'HQ1')!.scopes.find((s) => s.scope.kind === 'epci')!.figure;
    return `${figure.numerator} / ${figure.denominator}`;
  };
  await send('PUT', '/v1/bailleurs/lmh', { name: 'Lille Métropole Habitat', siren: null });
  await send('POST', `/v1/epcis/${MEL}/quartile-thresholds`, { year: 2026, amountPerUc: 10_000, source: 'Arrêté (banc)' });
  const lease = (i: number) => ({
    eventId: randomUUID(),
    leaseId: `LIVE-${tag}-${i}`,
    caseId: `LIVEC-${tag}-${i}`,
    bailleurId: 'lmh',
    leaseDate: '2026-03-02',
    flat: { rplsId: `LV${i + 1}`, communeInsee: '59350', epciSiren: MEL, qpvCode: null, typology: 'T3', financing: 'PLUS' },
    household: {
      numeroUnique: `nud-live-${tag}-${i + 1}`,
      composition: { personsAged14OrMore: 1, childrenUnder14: 0 },
      yearlyResources: i % 2 ? 9_000 : 15_000,
    },
    reservataireId: null,
    gestionMode: 'directe',
  });
  await send('POST', '/v1/leases', lease(-1));
  const invited = (await send('POST', '/v1/admin/people', { name: 'Banc EPCI', email: null, role: 'epci', tenant: MEL })) as {
    signInLink: string;
  };

  const browser = await launchChromium();
  const page = await browser.newPage();
  await page.goto(invited.signInLink);
  await page.waitForSelector('main[data-ready="true"]');
  console.log(`Dashboard live-update benchmark: ${LEASES} leases posted one at a time, EPCI page open in Chromium`);

  const pageTimes: number[] = [];
  const apiTimes: number[] = [];
  for (let i = 0; i < LEASES; i += 1) {
    const started = performance.now();
    await send('POST', '/v1/leases', lease(i));
    // The projection's own delay, polled on the API (baseline), and the page's, watched in the browser, in parallel.
    const apiSeen = (async () => {
      while (!(await hq1()).endsWith(` / ${i + 2}`)) await new Promise((resolve) => setTimeout(resolve, 5));
      apiTimes.push(performance.now() - started);
    })();
    await page.waitForFunction(
      (denominator) =>
        (globalThis as unknown as { document: Document }).document
          .querySelector('[data-objectif="HQ1"] [data-champ="ratio"]')
          ?.textContent?.endsWith(` / ${denominator}`) ?? false,
      i + 2,
      { polling: 'raf', timeout: 30_000 },
    );
    pageTimes.push(performance.now() - started);
    await apiSeen;
  }
  await browser.close();
  await api.stop();
  await dropDatabase(server.adminUrl, dbName);
  await server.stop();

  const [p50, p99] = [percentile(pageTimes, 50), percentile(pageTimes, 99)];
  const [b50, b99] = [percentile(apiTimes, 50), percentile(apiTimes, 99)];
  console.log('\n| measure | p50 | p99 | max |');
  console.log('|---|---:|---:|---:|');
  console.log(
    `| baseline: lease accepted → compliance API answers it | ${b50.toFixed(0)} ms | ${b99.toFixed(0)} ms | ${Math.max(...apiTimes).toFixed(0)} ms |`,
  );
  console.log(
    `| lease accepted → HQ1 card updated on the open page (no reload) | ${p50.toFixed(0)} ms | ${p99.toFixed(0)} ms | ${Math.max(...pageTimes).toFixed(0)} ms |`,
  );
  reportSizes({ bench: 'dashboard', sizes: { BENCH_LIVE_LEASES: LEASES } });
  reportFigure({
    bench: 'dashboard',
    measure: `lease accepted → card updated, p99 over ${LEASES} leases`,
    value: Math.round(p99),
    unit: 'ms',
    target: '≤ 2 000 ms',
    baseline: { name: 'lease accepted → API answers it, p99', value: Math.round(b99) },
  });
  console.log(
    `\npage p50 / API p50 = ${(p50 / Math.max(b50, 1)).toFixed(2)}, page p99 / API p99 = ${(p99 / Math.max(b99, 1)).toFixed(2)} (target: card within 2 s: ${p99 <= 2_000 ? 'met' : 'NOT met'} at p99)`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
