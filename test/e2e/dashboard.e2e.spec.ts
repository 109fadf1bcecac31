import ExcelJS from 'exceljs';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import Provider from 'oidc-provider';
import type { Browser, BrowserContext, Page } from 'playwright-core';

/** The page's document, as the browser functions below see it (Node's types do not describe the DOM). */
interface Document {
  querySelector(selector: string): { textContent: string | null } | null;
}
/** The 2D canvas the report test reads an image's pixels with. */
interface PrintCanvas {
  width: number;
  height: number;
  getContext(kind: '2d'): {
    drawImage(image: unknown, x: number, y: number): void;
    getImageData(x: number, y: number, width: number, height: number): { data: Uint8ClampedArray };
  };
}
interface DocumentList {
  querySelectorAll(selector: string): { length: number };
}
import { FIXTURE_LEASES, MEL, THRESHOLD_2026 } from '../fixtures/compliance-mel-2026.js';
import { launchChromium, SCREENSHOTS } from '../support/browser.js';
import { leaseRequest } from '../support/lease-requests.js';
import { getJson, postJson, putJson, startTestApp, waitFor, type TestApp } from '../support/app.js';

type Figure = { numerator: number; denominator: number; rate: number | null; target: number | null; status: string };
type Report = { objectives: { id: string; scopes: { scope: { kind: string }; figure: Figure }[] }[]; asOf: { position: number } };

const epciFigure = (report: Report, id: string) =>
  report.objectives.find((objective) => objective.id === id)!.scopes.find((scope) => scope.scope.kind === 'epci')!.figure;
/** A rate as the page writes it (French decimal comma, one decimal at most). */
const percentFr = (rate: number | null) =>
  rate === null ? '—' : `${(rate * 100).toLocaleString('fr-FR', { maximumFractionDigits: 1 })} %`;

/** A free port on the loopback, for the identity provider the app must know before it starts. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('The web application in a real browser: OIDC and link sign-in, EPCI figures, CSV, live updates, CSRF, expiry', () => {
  let app: TestApp;
  let provider: Server;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let position = 0;
  /** What the EPCI page wrote to the browser console as errors, or threw. */
  const consoleErrors: string[] = [];

  const compliance = async (): Promise<Report> =>
    (
      await waitFor(
        () => getJson(`${app.url}/v1/epcis/${MEL}/compliance?year=2026`),
        (response) => response.status === 200 && response.body.asOf.position >= position,
      )
    ).body;
  const card = (objective: string) => page.locator(`[data-objectif="${objective}"]`);

  beforeAll(async () => {
    const port = await freePort();
    const issuer = `http://127.0.0.1:${port}`;
    app = await startTestApp({
      OIDC_ISSUER: issuer,
      OIDC_CLIENT_ID: 'vigie',
      OIDC_CLIENT_SECRET: 'vigie-test-secret-0123456789',
    });
    // A real OpenID Connect provider in this process: its development login page accepts any name,
    // and vouches for `<name>@mel.fr`.
    const oidc = new Provider(issuer, {
      clients: [
        {
          client_id: 'vigie',
          client_secret: 'vigie-test-secret-0123456789',
          redirect_uris: [`${app.url}/connexion/oidc/retour`],
        },
      ],
      claims: { openid: ['sub'], email: ['email', 'email_verified'] },
      cookies: { keys: ['oidc-test-cookie-key'] },
      findAccount: (_context, sub) => ({
        accountId: sub,
        claims: () => ({ sub, email: `${sub}@mel.fr`, email_verified: true }),
      }),
    });
    provider = createServer(oidc.callback());
    await new Promise<void>((resolve) => provider.listen(port, '127.0.0.1', resolve));

    expect((await putJson(`${app.url}/v1/qpvs/QN05901M`, { name: 'Lille Sud', list: '2024', communes: ['59350'] })).status).toBe(
      201,
    );
    expect(
      (await putJson(`${app.url}/v1/qpvs/QP059001`, { name: 'Lille Sud (2015)', list: '2015', communes: ['59350'] })).status,
    ).toBe(201);
    for (const lease of FIXTURE_LEASES) {
      const response = await postJson(`${app.url}/v1/leases`, { eventId: randomUUID(), ...leaseRequest(lease) });
      expect([200, 201]).toContain(response.status);
      position = Math.max(position, response.body.position);
    }
    const threshold = await postJson(`${app.url}/v1/epcis/${MEL}/quartile-thresholds`, {
      year: 2026,
      amountPerUc: THRESHOLD_2026,
      source: 'Arrêté du 2 mars 2026',
    });
    position = Math.max(position, threshold.body.position);
    // Camille is invited by e-mail; ProConnect (here the test provider) vouches for camille@mel.fr.
    const invited = await postJson(`${app.url}/v1/admin/people`, {
      name: 'Camille Martin',
      email: 'camille@mel.fr',
      role: 'epci',
      tenant: MEL,
    });
    expect(invited.status).toBe(201);
    browser = await launchChromium();
    context = await browser.newContext({ acceptDownloads: true, locale: 'fr-FR', timezoneId: 'Europe/Paris' });
    page = await context.newPage();
    // Vigie's pages only: the identity provider's own login pages are not ours.
    const ours = () => page.url().startsWith(app.url);
    page.on('console', (message) => {
      if (message.type() === 'error' && ours()) consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => {
      if (ours()) consoleErrors.push(error.message);
    });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => provider?.close(resolve));
    await app?.close();
  });

  it('leads a visitor from / to the sign-in page, then through OpenID Connect to her EPCI’s page', async () => {
    await page.goto(`${app.url}/`);
    expect(new URL(page.url()).pathname).toBe('/connexion');
    await page
      .getByRole('link', { name: /ProConnect/ })
      .first()
      .click();
    // The provider's own login page, then its consent page.
    await page.locator('input[name="login"]').fill('camille');
    await page.locator('input[name="password"]').fill('any');
    await page.locator('button[type="submit"]').click();
    await page.waitForURL((url) => url.origin === app.url || /interaction/.test(url.pathname));
    if (new URL(page.url()).origin !== app.url) await page.locator('button[type="submit"]').click();
    await page.waitForURL(`${app.url}/epci/${MEL}`);
    await page.waitForSelector('main[data-ready="true"]');
    await expect(page.locator('h1').textContent()).resolves.toMatch(/tableau de bord/);
  }, 60_000);

  it('shows one card per objective with the very figures of the API (rate, target, numerator / denominator, status in words)', async () => {
    const report = await compliance();
    // No CIA adopted in this fixture: the law's three objectives (ANRU and territorialised ones come with a CIA).
    expect(report.objectives.map((objective) => objective.id)).toEqual(['HQ1', 'QNQ1', 'PRIO']);
    for (const { id } of report.objectives) {
      const figure = epciFigure(report, id);
      await expect(card(id).locator('[data-champ="ratio"]').textContent()).resolves.toBe(
        `${figure.numerator} / ${figure.denominator}`,
      );
      await expect(card(id).locator('[data-champ="taux"]').textContent()).resolves.toBe(percentFr(figure.rate));
      await expect(card(id).locator('[data-champ="cible"]').textContent()).resolves.toBe(percentFr(figure.target));
    }
    // The hand-computed fixture: HQ1 is 4 of 7 (57,1 %), reached; QNQ1 2 of 5, behind.
    await expect(card('HQ1').locator('[data-champ="ratio"]').textContent()).resolves.toBe('4 / 7');
    await expect(card('HQ1').locator('[data-champ="taux"]').textContent()).resolves.toBe('57,1 %');
    await expect(card('HQ1').locator('.fr-badge').textContent()).resolves.toBe('Atteint');
    await expect(card('QNQ1').locator('.fr-badge').textContent()).resolves.toBe('En retard');
    // Breakdowns name the bailleurs, not their ids.
    await expect(page.locator('#repartition table').textContent()).resolves.toMatch(/Bailleur lmh/);
    await page.screenshot({ path: join(SCREENSHOTS, 'epci.png'), fullPage: true });
  });

  /** The lease list's columns up to Q1: each organisation and the commune by name, its identifier in the next column. */
  const LEASE_HEADERS = [
    'Bail',
    'Date du bail',
    'Bailleur',
    'Identifiant du bailleur',
    'Réservataire',
    'Identifiant du réservataire',
    'Commune',
    'Code INSEE de la commune',
    'QPV',
    'Q1',
  ];
  const COMMUNES: Record<string, string> = { '59350': 'Lille', '59512': 'Roubaix' };

  it('downloads the lease list as CSV from the browser, with the session (no raw 401), names beside identifiers', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#export-baux').click()]);
    const text = readFileSync((await download.path())!, 'utf8');
    const [header, ...lines] = text
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(header!.split(';').slice(0, LEASE_HEADERS.length)).toEqual(LEASE_HEADERS);
    expect(lines).toHaveLength(FIXTURE_LEASES.length);
    const cells = lines.map((line) => line.split(';'));
    // Each bailleur by its registered name, then its id; the commune by its official name, then its code.
    expect(new Set(cells.map((row) => `${row[2]} | ${row[3]}`))).toEqual(
      new Set(FIXTURE_LEASES.map((lease) => `Bailleur ${lease.bailleurId} | ${lease.bailleurId}`)),
    );
    for (const row of cells) expect(row[6]).toBe(COMMUNES[row[7]!]);
    expect(cells.some((row) => row[7] === '59512')).toBe(true);
    expect(cells.every((row) => (row[4] === 'Non réservé' ? row[5] === '' : row[4] === `Réservataire ${row[5]}`))).toBe(true);
  });

  it('downloads the same list as XLSX: French headers, names beside identifiers, the lease date a date cell', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#export-baux-xlsx').click()]);
    expect(download.suggestedFilename()).toBe(`baux-detail-${MEL}-2026.xlsx`);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile((await download.path())!);
    const sheet = workbook.getWorksheet('Baux')!;
    expect((sheet.getRow(1).values as unknown[]).slice(1, 1 + LEASE_HEADERS.length)).toEqual(LEASE_HEADERS);
    expect(sheet.rowCount).toBe(1 + FIXTURE_LEASES.length);
    const roubaix = sheet.getRows(2, FIXTURE_LEASES.length)!.find((row) => row.getCell(8).value === '59512')!;
    expect([roubaix.getCell(3).value, roubaix.getCell(4).value, roubaix.getCell(7).value]).toEqual([
      'Bailleur lmh',
      'lmh',
      'Roubaix',
    ]);
    expect(roubaix.getCell(2).value).toBeInstanceOf(Date);
    expect(roubaix.getCell(2).numFmt).toBe('dd/mm/yyyy');
    expect(typeof roubaix.getCell(sheet.getRow(1).cellCount).value).toBe('number');
  });

  it('exports the breakdown by commune as CSV and XLSX with the EPCI’s and the communes’ names beside their codes', async () => {
    const headers = [
      'EPCI',
      'SIREN de l’EPCI',
      'Année',
      'Objectif',
      'Périmètre',
      'Nom',
      'Identifiant',
      'Numérateur',
      'Dénominateur',
    ];
    const report = (await getJson(`${app.url}/v1/epcis/${MEL}/compliance?year=2026&groupBy=commune`)).body as {
      objectives: { id: string; scopes: { scope: { kind: string; id: string }; figure: Figure }[] }[];
    };
    const lille = report.objectives[0]!.scopes.find((scope) => scope.scope.kind === 'commune' && scope.scope.id === '59350')!;
    const csv = await page.context().request.get(`${app.url}/v1/epcis/${MEL}/compliance?year=2026&groupBy=commune&format=csv`);
    const lines = (await csv.text()).replace(/^\uFEFF/, '').split('\r\n');
    expect(lines[0]!.split(';').slice(0, headers.length)).toEqual(headers);
    expect(lines).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^Métropole Européenne de Lille;${MEL};2026;${report.objectives[0]!.id};Commune;Lille;59350;${lille.figure.numerator};${lille.figure.denominator};`,
        ),
      ),
    );
    const xlsx = await page.context().request.get(`${app.url}/v1/epcis/${MEL}/compliance?year=2026&groupBy=commune&format=xlsx`);
    expect(xlsx.headers()['content-disposition']).toContain(`conformite-${MEL}-2026-par-commune.xlsx`);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load((await xlsx.body()) as never);
    const sheet = workbook.getWorksheet('Conformité')!;
    expect((sheet.getRow(1).values as unknown[]).slice(1, 1 + headers.length)).toEqual(headers);
    const row = sheet.getRows(2, sheet.rowCount - 1)!.find((candidate) => candidate.getCell(7).value === '59350')!;
    expect((row.values as unknown[]).slice(1, 10)).toEqual([
      'Métropole Européenne de Lille',
      MEL,
      2026,
      report.objectives[0]!.id,
      'Commune',
      'Lille',
      '59350',
      lille.figure.numerator,
      lille.figure.denominator,
    ]);
  });

  it('updates the HQ1 card without reload within 2 s of a lease recorded through the API', async () => {
    const before = epciFigure(await compliance(), 'HQ1');
    await page.evaluate(() => ((globalThis as { marker?: number }).marker = 42));
    const first = FIXTURE_LEASES[0]!;
    // Another household: the same household, flat and date under another reference is a probable duplicate.
    const lease = {
      ...first,
      leaseId: `L-live-${randomUUID()}`,
      caseId: `C-live-${randomUUID()}`,
      household: { ...first.household, pseudonymousId: `hh-live-${randomUUID()}` },
    };
    const started = Date.now();
    const response = await postJson(`${app.url}/v1/leases`, { eventId: randomUUID(), ...leaseRequest(lease) });
    expect(response.status).toBe(201);
    position = response.body.position;
    const after = epciFigure(await compliance(), 'HQ1');
    expect([after.numerator, after.denominator]).toEqual([before.numerator + 1, before.denominator + 1]);
    const expected = `${after.numerator} / ${after.denominator}`;
    await page
      .waitForFunction(
        (text) =>
          (globalThis as unknown as { document: Document }).document.querySelector(`[data-objectif="HQ1"] [data-champ="ratio"]`)
            ?.textContent === text,
        expected,
        { timeout: 2_000 },
      )
      .catch(async (error: Error) => {
        const shown = await page.locator('[data-objectif="HQ1"] [data-champ="ratio"]').textContent();
        const at = await page.locator('main').getAttribute('data-position');
        throw new Error(`${error.message}: the card shows ${shown} at position ${at}, the API ${expected} at ${position}`);
      });
    expect(Date.now() - started).toBeLessThan(2_000);
    // The same page: no reload happened.
    await expect(page.evaluate(() => (globalThis as { marker?: number }).marker)).resolves.toBe(42);
  });

  it('filters the leases on a flat leased twice within 30 days, and writes their dates as JJ/MM/AAAA', async () => {
    // The live lease above took the first fixture lease's flat and date: the flat is leased twice.
    const api = await getJson(`${app.url}/v1/epcis/${MEL}/leases?year=2026&filter=flat_leased_twice`);
    expect(api.body.leases).toHaveLength(2);
    await page.locator('#filtre-baux').selectOption('flat_leased_twice');
    await page.waitForFunction(
      () => (globalThis as unknown as { document: DocumentList }).document.querySelectorAll('#baux tbody tr').length === 2,
    );
    const rows = await Promise.all(
      (await page.locator('#baux tbody tr').all()).map((row) => row.locator('td').allTextContents()),
    );
    const first = FIXTURE_LEASES[0]!;
    const french = first.leaseDate.split('-').reverse().join('/');
    expect(rows.map((row) => row[0])).toEqual([french, french]);
    for (const row of rows) expect(row[5]).toContain('Logement loué deux fois en 30 jours');
    await page.locator('#filtre-baux').selectOption('');
  });

  it('says one coherent status per card: nothing signed yet is « non évaluable », never « cible atteinte »', async () => {
    await page.locator('#signedUntil').fill('2026-01-10');
    // The lease list is read at the same two times as the cards.
    const listRead = page.waitForRequest((request) => /\/v1\/epcis\/\d+\/leases\?/.test(request.url()));
    // A minute ago, as the browser's field takes it (Paris time, to the minute): an instant Vigie has
    // reached (a future one is refused, 422 AS_OF_NOT_REACHED).
    const minuteAgo = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 60_000);
    const parisMinute = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Paris', dateStyle: 'short', timeStyle: 'short' });
    const local = parisMinute.format(minuteAgo).replace(' ', 'T');
    await page.locator('#asOf').fill(local);
    await page.getByRole('button', { name: 'Afficher' }).click();
    const listed = new URL((await listRead).url()).searchParams;
    expect([listed.get('signedUntil'), listed.get('asOf')]).toEqual(['2026-01-10', minuteAgo.toISOString()]);
    await page.locator('#asOf').fill('');
    await page.waitForFunction(
      () =>
        (globalThis as unknown as { document: Document }).document.querySelector('[data-objectif="HQ1"] [data-champ="ratio"]')
          ?.textContent === '0 / 0',
    );
    for (const id of ['HQ1', 'QNQ1', 'PRIO']) {
      await expect(card(id).locator('.fr-badge').textContent()).resolves.toBe('Non évaluable');
      const text = (await card(id).textContent())!;
      expect(text).not.toMatch(/atteint|en retard/i);
      await expect(card(id).locator('[data-champ="besoin"]').textContent()).resolves.toMatch(/^Non évaluable : /);
    }
    await page.locator('#signedUntil').fill('');
    await page.getByRole('button', { name: 'Afficher' }).click();
    await page.waitForFunction(
      () =>
        (globalThis as unknown as { document: Document }).document.querySelector('[data-objectif="HQ1"] [data-champ="ratio"]')
          ?.textContent !== '0 / 0',
    );
    await expect(card('HQ1').locator('[data-champ="besoin"]').textContent()).resolves.toMatch(/^Atteint/);
    await expect(card('QNQ1').locator('[data-champ="besoin"]').textContent()).resolves.toMatch(/^En retard : /);
    // The freshness line gives a Paris date and time, JJ/MM/AAAA HH:MM.
    await expect(page.locator('#fraicheur').textContent()).resolves.toMatch(/à jour du \d{2}\/\d{2}\/\d{4} \d{2}:\d{2},/);
  });

  it('prints the annual report of the EPCI cleanly to PDF: its figures, without the page’s controls', async () => {
    const report = await compliance();
    const hq1 = epciFigure(report, 'HQ1');
    await page.goto(`${app.url}/epci/${MEL}/rapport?annee=2026`);
    await page.waitForSelector('main[data-ready="true"]');
    await expect(page.locator('h1').textContent()).resolves.toBe('Métropole Européenne de Lille — rapport annuel 2026');
    const row = page.locator('#rapport-objectifs tbody tr', { hasText: 'HQ1' });
    const cells = await row.locator('td').allTextContents();
    expect(cells.slice(1, 3)).toEqual([`${hq1.numerator} / ${hq1.denominator}`, percentFr(hq1.rate)]);
    await expect(page.locator('#rapport-repartitions').textContent()).resolves.toMatch(/Bailleur lmh/);
    await expect(page.locator('#rapport-qualite').textContent()).resolves.toContain('Baux de l’année');
    // What the printer gets: no header buttons, no form, no footer; every table whole.
    await page.emulateMedia({ media: 'print' });
    for (const selector of ['#periode', '.fr-header__tools', '.fr-footer'])
      await expect(page.locator(selector).isVisible()).resolves.toBe(false);
    await expect(page.locator('#rapport-objectifs table').isVisible()).resolves.toBe(true);
    // One trajectory chart per objective, printed: an image with its rate line (DSFR blue) and its target line (red) drawn.
    const charts = page.locator('#rapport-trajectoires img[data-trajectoire]');
    await expect(charts.evaluateAll((images) => images.map((image) => image.getAttribute('data-trajectoire')))).resolves.toEqual(
      report.objectives.map((objective) => objective.id),
    );
    for (const chart of await charts.all()) {
      await expect(chart.isVisible()).resolves.toBe(true);
      const drawn = await chart.evaluate((image) => {
        const picture = image as unknown as {
          naturalWidth: number;
          naturalHeight: number;
          getBoundingClientRect(): { width: number; height: number };
        };
        const canvas = (
          globalThis as unknown as { document: { createElement(tag: 'canvas'): PrintCanvas } }
        ).document.createElement('canvas');
        canvas.width = picture.naturalWidth;
        canvas.height = picture.naturalHeight;
        const context = canvas.getContext('2d');
        context.drawImage(image, 0, 0);
        const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
        let blue = 0;
        let red = 0;
        for (let i = 0; i < pixels.length; i += 4) {
          if (pixels[i]! < 40 && pixels[i + 1]! < 40 && pixels[i + 2]! > 110 && pixels[i + 3]! > 200) blue += 1;
          if (pixels[i]! > 170 && pixels[i + 1]! < 60 && pixels[i + 2]! < 60 && pixels[i + 3]! > 200) red += 1;
        }
        const box = picture.getBoundingClientRect();
        return { width: picture.naturalWidth, shownWidth: box.width, shownHeight: box.height, blue, red };
      });
      expect(drawn.width).toBeGreaterThanOrEqual(900);
      expect(drawn.shownWidth).toBeGreaterThan(300);
      expect(drawn.shownHeight).toBeGreaterThan(100);
      expect(drawn.blue).toBeGreaterThan(500);
      expect(drawn.red).toBeGreaterThan(500);
    }
    const pdf = await page.pdf({ path: join(SCREENSHOTS, 'rapport-annuel-epci.pdf'), format: 'A4', printBackground: true });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    await page.screenshot({ path: join(SCREENSHOTS, 'rapport-annuel-epci.png'), fullPage: true });
    await page.emulateMedia({ media: 'screen' });
    await page.goto(`${app.url}/epci/${MEL}`);
    await page.waitForSelector('main[data-ready="true"]');
  }, 60_000);

  it('wrote no error to the browser console (the DSFR and Vigie scripts load cleanly)', () => {
    expect(consoleErrors).toEqual([]);
  });

  it('refuses a write of the session without its CSRF token, as a forged cross-site request would send it', async () => {
    const status = await page.evaluate(async () => {
      const response = await fetch('/v1/session/logout', { method: 'POST' });
      return { status: response.status, code: ((await response.json()) as { code: string }).code };
    });
    expect(status).toEqual({ status: 403, code: 'CSRF_TOKEN_INVALID' });
    expect(await page.evaluate(() => fetch('/v1/session').then((response) => response.status))).toBe(200);
  });

  it('tells a signed-in EPCI user the administration page is reserved to administrators (403), another EPCI’s page another organisation’s (404)', async () => {
    // Another tab of the same session: the EPCI page of the other tests stays as it is.
    const tab = await context.newPage();
    try {
      const admin = await tab.goto(`${app.url}/admin`);
      expect(admin?.status()).toBe(403);
      await expect(tab.locator('h1').textContent()).resolves.toBe('Page réservée aux administrateurs');
      const alert = (await tab.locator('[role="alert"]').textContent())!.replace(/\s+/g, ' ').trim();
      expect(alert).toMatch(/^Cette page est réservée aux administrateurs de Vigie : votre rôle ne l’ouvre pas\./);
      expect(alert).not.toContain('autre organisme');
      await expect(tab.getByRole('link', { name: 'Aller à la page de votre organisme' }).getAttribute('href')).resolves.toBe(
        `/epci/${MEL}`,
      );
      const other = await tab.goto(`${app.url}/epci/200041762`);
      expect(other?.status()).toBe(404);
      await expect(tab.locator('[role="alert"]').textContent()).resolves.toContain('celle d’un autre organisme');
    } finally {
      await tab.close();
    }
  });

  it('leads back to the sign-in page once the session has expired in the store', async () => {
    // Leave the page first: its live feed and polls would touch the session (rolling expiry) after the update.
    const pageUrl = page.url();
    await page.goto('about:blank');
    await app.running.runtime.pool.query("UPDATE web_sessions SET expire = now() - interval '1 second'");
    await page.goto(pageUrl);
    expect(new URL(page.url()).pathname).toBe('/connexion');
  });

  it('signs the first administrator in with the printed link; she invites a person and gets the link', async () => {
    const admin = await browser.newPage();
    await admin.goto(app.running.firstAdminLink!);
    await admin.waitForURL(`${app.url}/admin`);
    await admin.waitForSelector('main[data-ready="true"]');
    await admin.locator('#inv-nom').fill('Dominique Bailleur');
    await admin.locator('#inv-role').selectOption('bailleur');
    await admin.locator('#inv-organisme').fill('lmh');
    await admin.getByRole('button', { name: 'Inviter' }).click();
    await expect(admin.locator('#lien-invitation').textContent()).resolves.toMatch(/\/connexion\/lien\/[A-Za-z0-9_-]{43}$/);
    await admin.screenshot({ path: join(SCREENSHOTS, 'admin.png'), fullPage: true });
    await admin.close();
  });

  it('passes an automated accessibility check (axe-core) on the EPCI page with no serious violation', async () => {
    const invited = await postJson(`${app.url}/v1/admin/people`, { name: 'Léa', email: null, role: 'epci', tenant: MEL });
    // The page forbids inline scripts (Content-Security-Policy): only this audit context lifts that, to inject axe.
    const audit = await browser.newContext({ bypassCSP: true });
    const reader = await audit.newPage();
    await reader.goto(invited.body.signInLink);
    await reader.waitForSelector('main[data-ready="true"]');
    const axe = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
    await reader.addScriptTag({ path: axe });
    const violations = (await reader.evaluate(
      'axe.run().then((result) => result.violations.map((violation) => ({ id: violation.id, impact: violation.impact, nodes: violation.nodes.length })))',
    )) as { id: string; impact: string }[];
    expect(violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')).toEqual([]);
    await audit.close();
  });
});
