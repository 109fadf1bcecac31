/**
 * npm run bench:dashboard — how long after a lease is accepted an EPCI's open page shows it:
 * BENCH_LIVE_LEASES (default 100) leases posted one at a time through the API while Debian's
 * Chromium (playwright-core) shows the EPCI page; for each, the time from the POST to the HQ1
 * card showing the new numerator / denominator without reload (p50 / p99, target ≤ 2 s). Same-run
 * baseline: the time from the POST to the compliance API itself answering the new figure (the
 * projection's own delay, polled every 20 ms), measured on the same leases; the ratio says what
 * the page adds. Where the time goes, on the same leases: the POST's own answer, the stream's
 * `fact` event and its `figures` event (the compliance projection has the lease), read by a
 * stream client of the benchmark itself.
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

  // A stream client of its own: when each position's `fact` and `figures` events arrive.
  const streamed = { fact: new Map<number, number>(), figures: [] as { position: number; at: number }[] };
  const abort = new AbortController();
  const stream = await benchFetch(`${api.base}/v1/stream?epci=${MEL}`, { signal: abort.signal });
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of stream.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (!event || !data) continue;
          const { position } = JSON.parse(data) as { position: number };
          if (event === 'fact') streamed.fact.set(position, performance.now());
          if (event === 'figures') streamed.figures.push({ position, at: performance.now() });
        }
      }
    } catch (error) {
      if (!abort.signal.aborted) throw error;
    }
  })();
  /** When the stream first said the figures include `position`. */
  const figuresAt = (position: number) => streamed.figures.find((figures) => figures.position >= position)?.at;

  const browser = await launchChromium();
  const page = await browser.newPage();
  await page.goto(invited.signInLink);
  await page.waitForSelector('main[data-ready="true"]');
  console.log(`Dashboard live-update benchmark: ${LEASES} leases posted one at a time, EPCI page open in Chromium`);

  const pageTimes: number[] = [];
  const apiTimes: number[] = [];
  const postTimes: number[] = [];
  const factTimes: number[] = [];
  const figuresTimes: number[] = [];
  for (let i = 0; i < LEASES; i += 1) {
    const started = performance.now();
    const { position } = (await send('POST', '/v1/leases', lease(i))) as { position: number };
    postTimes.push(performance.now() - started);
    // The projection's own delay, polled on the API (baseline), and the page's, watched in the browser, in parallel.
    const apiSeen = (async () => {
      while (!(await hq1()).endsWith(` / ${i + 2}`)) await new Promise((resolve) => setTimeout(resolve, 20));
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
    while (figuresAt(position) === undefined) await new Promise((resolve) => setTimeout(resolve, 5));
    factTimes.push(streamed.fact.get(position)! - started);
    figuresTimes.push(figuresAt(position)! - started);
  }
  abort.abort();
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
  const line = (label: string, times: readonly number[]) =>
    console.log(
      `| ${label} | ${percentile(times, 50).toFixed(0)} ms | ${percentile(times, 99).toFixed(0)} ms | ${Math.max(...times).toFixed(0)} ms |`,
    );
  line('where it goes: POST answered (lease accepted)', postTimes);
  line('where it goes: stream `fact` event received', factTimes);
  line('where it goes: stream `figures` event received (projection has it)', figuresTimes);
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
