import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { FIXTURE_LEASES, MEL, QPV_2024, THRESHOLD_2026 } from '../fixtures/compliance-mel-2026.js';
import { launchChromium, SCREENSHOTS } from '../support/browser.js';
import { leaseRequest } from '../support/lease-requests.js';
import { getJson, postJson, putJson, startTestApp, waitFor, type TestApp } from '../support/app.js';

/** The page's objects, as the functions evaluated in the browser see them (Node's types do not describe the DOM). */
declare const document: { getElementById(id: string): unknown };
declare const window: { Chart: { getChart(canvas: unknown): { data: { datasets: Array<{ label: string }> } } | undefined } };

const FLAT = { rplsId: '5935009101', communeInsee: '59350' };

describe('The CAL’s what-if and the year-end forecast on the dashboard, in a real browser', () => {
  let app: TestApp;
  let browser: Browser;
  let position = 0;

  const signIn = async (role: string, tenant: string): Promise<Page> => {
    const invited = await postJson(`${app.url}/v1/admin/people`, { name: `Personne ${role}`, email: null, role, tenant });
    expect(invited.status).toBe(201);
    const page = await browser.newPage();
    await page.goto(invited.body.signInLink);
    await page.waitForSelector('main[data-ready="true"]');
    return page;
  };

  /** Fills the flat and two candidates (a DALO household of the first quartile on Action Logement's flux, one above it, non réservé). */
  const simulate = async (page: Page) => {
    await page.locator('#sim-rpls').fill(FLAT.rplsId);
    await page.locator('#sim-commune').fill(FLAT.communeInsee);
    await page.locator('#sim-date').fill('2026-11-20');
    const row = (rank: number) => page.locator(`tr[data-rang="${rank}"]`);
    await row(1).locator('[name="enfants"]').fill('2');
    await row(1).locator('[name="revenus"]').fill('9800');
    await row(1).locator('[name="dalo"]').check();
    await row(1).locator('[name="reservataire"]').fill('action-logement');
    await row(2).locator('[name="revenus"]').fill('40000');
    await page.getByRole('button', { name: 'Simuler' }).click();
    await page.waitForSelector('[data-candidat="2"]');
  };
  const cells = (page: Page, rank: number, objective: string, scope: string) =>
    page.locator(`[data-candidat="${rank}"] tr[data-objectif="${objective}"][data-perimetre="${scope}"] td`).allTextContents();

  beforeAll(async () => {
    app = await startTestApp();
    browser = await launchChromium();
    expect(
      (await putJson(`${app.url}/v1/qpvs/${QPV_2024}`, { name: 'Lille Sud', list: '2024', communes: ['59350'] })).status,
    ).toBe(201);
    await postJson(`${app.url}/v1/epcis/${MEL}/quartile-thresholds`, {
      year: 2026,
      amountPerUc: THRESHOLD_2026,
      source: 'Arrêté',
    });
    for (const lease of FIXTURE_LEASES) {
      const response = await postJson(`${app.url}/v1/leases`, { eventId: randomUUID(), ...leaseRequest(lease) });
      expect(response.status).toBe(201);
      position = Math.max(position, response.body.position);
    }
    const released = await postJson(`${app.url}/v1/flux/releases`, {
      eventId: randomUUID(),
      bailleurId: 'lmh',
      rplsId: FLAT.rplsId,
      departement: '59',
      communeInsee: FLAT.communeInsee,
      epciSiren: MEL,
      releasedOn: '2026-10-01',
      inNetBase: true,
    });
    expect(released.status).toBe(201);
    const convention = await postJson(`${app.url}/v1/conventions`, {
      conventionId: 'ALS-LMH-PAGE',
      bailleurId: 'lmh',
      reservataireId: 'action-logement',
      departement: '59',
      period: { startYear: 2025, endYear: 2030 },
      annualVolume: 3,
      gestionMode: 'directe',
      signedOn: '2024-12-02',
    });
    expect(convention.status).toBe(201);
    position = Math.max(position, released.body.position, convention.body.position);
    await waitFor(
      () => getJson(`${app.url}/v1/conventions/lmh/action-logement/ALS-LMH-PAGE/flux?year=2026`),
      (r) => r.status === 200 && r.body.freshness.position >= position,
    );
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('shows the EPCI the forecast band on its trajectory and what each candidate would do to every objective', async () => {
    const page = await signIn('epci', MEL);
    // The band: low, high and expected rate on 31 December drawn beside the monthly rate, and said in words.
    await page.waitForFunction(
      () =>
        (window.Chart.getChart(document.getElementById('trajectoire'))?.data.datasets ?? []).some((d) =>
          d.label.startsWith('Prévision haute'),
        ),
      undefined,
      { timeout: 60_000 },
    );
    const forecast = await getJson(`${app.url}/v1/epcis/${MEL}/compliance/forecast?year=2026`);
    const hq1 = forecast.body.objectives
      .find((o: { id: string }) => o.id === 'HQ1')
      .scopes.find((s: { scope: { kind: string } }) => s.scope.kind === 'epci').forecast;
    const percentFr = (rate: number) => `${(rate * 100).toLocaleString('fr-FR', { maximumFractionDigits: 1 })} %`;
    await expect(page.locator('#prevision').textContent()).resolves.toBe(
      `Prévision au 31 décembre (HQ1) : ${percentFr(hq1.expectedRate)}, intervalle à 90 % de ${percentFr(hq1.interval.low)} à ${percentFr(hq1.interval.high)} ; probabilité d’atteindre la cible : ${percentFr(hq1.probabilityOfTarget)}.`,
    );

    await page.locator('#sim-bailleur').fill('lmh');
    await simulate(page);
    // HQ1 of the MEL: 4 of 7 → 5 of 8 for the first candidate (+5,357 points), 4 of 8 for the second.
    await expect(cells(page, 1, 'HQ1', `epci:${MEL}`)).resolves.toEqual([
      'HQ1',
      `EPCI ${MEL}`,
      '4 / 7 (57,1 %)',
      '5 / 8 (62,5 %)',
      '+5,357 pt',
      '25 %',
    ]);
    await expect(cells(page, 2, 'HQ1', `epci:${MEL}`)).resolves.toEqual(
      expect.arrayContaining(['4 / 7 (57,1 %)', '4 / 8 (50 %)', '-7,143 pt']),
    );
    // The convention is lmh's: the EPCI reads its counts (2 → 3, below 5) under statistical secrecy; the second counts on no convention.
    await expect(page.locator('[data-candidat="1"] [data-flux="ALS-LMH-PAGE"]').textContent()).resolves.toContain(
      'secret statistique → secret statistique décomptés pour 3 dus',
    );
    await expect(page.locator('[data-candidat="2"]').textContent()).resolves.toContain('aucune convention');
    await page.screenshot({ path: join(SCREENSHOTS, 'simulation-epci.png'), fullPage: true });
    await page.close();
  }, 120_000);

  it('lets the bailleur simulate on its own flat, and says in French what is wrong with a bad entry', async () => {
    const page = await signIn('bailleur', 'lmh');
    await page.locator('#sim-epci').fill(MEL);
    await simulate(page);
    // Its own HQ1: 2 of 4 → 3 of 5, +10 points.
    await expect(cells(page, 1, 'HQ1', 'bailleur:lmh')).resolves.toEqual([
      'HQ1',
      'Bailleur lmh',
      '2 / 4 (50 %)',
      '3 / 5 (60 %)',
      '+10 pt',
      '25 %',
    ]);
    // Its own convention whole: 2 → 3 of the 3 owed, the year's commitment reached.
    await expect(page.locator('[data-candidat="1"] [data-flux="ALS-LMH-PAGE"]').textContent()).resolves.toContain(
      '2 → 3 décomptés pour 3 dus',
    );
    await expect(page.locator('[data-candidat="1"] [data-flux]').textContent()).resolves.toContain(
      'engagement de l’année atteint',
    );
    // A réservataire nobody registered: the API's French message, and the results cleared.
    await page.locator('tr[data-rang="1"] [name="reservataire"]').fill('action-logment');
    await page.getByRole('button', { name: 'Simuler' }).click();
    await page.waitForSelector('#sim-erreur .fr-alert');
    await expect(page.locator('#sim-erreur').textContent()).resolves.toMatch(/réservataire/i);
    await expect(page.locator('[data-candidat]').count()).resolves.toBe(0);
    await page.close();
  }, 120_000);
});
