import ExcelJS from 'exceljs';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { FIXTURE_LEASES, MEL, THRESHOLD_2026 } from '../fixtures/compliance-mel-2026.js';
import { launchChromium, SCREENSHOTS } from '../support/browser.js';
import { leaseRequest } from '../support/lease-requests.js';
/** The page's document, as the browser functions below see it (Node's types do not describe the DOM). */
interface Document {
  querySelectorAll(selector: string): { length: number };
  querySelector(selector: string): unknown;
}

import { adminFetch, createKey, getJson, postJson, putJson, startTestApp, waitFor, type TestApp } from '../support/app.js';

type Convention = {
  conventionId: string;
  bailleurId: string;
  reservataireId: string;
  target: number;
  proRataTargetToDate: number;
  counted: { total: number | null };
  contingent: { withinLimits: boolean | null } | null;
};

/** The official names of the fixture's communes (the referential shipped). */
const COMMUNES: Record<string, string> = { '59350': 'Lille', '59512': 'Roubaix' };

/** A decimal as the pages write it (French comma, one decimal at most). */
const decimalFr = (value: number) => value.toLocaleString('fr-FR', { maximumFractionDigits: 2 });

const IMPORT_HEADER =
  'type;reference_bail;reference_dossier;bailleur;date_bail;rpls;code_insee;siren_epci;typologie;financement;menage;personnes_14_ans_et_plus;revenus_annuels;reservataire;mode_gestion';
/** Two good leases of lmh and one whose commune does not exist. */
const IMPORT_FILE = [
  IMPORT_HEADER,
  `bail;IMP-1;IMPC-1;lmh;2026-04-02;5935000101;59350;${MEL};T3;PLUS;059122700000000101;1;9000;action-logement;directe`,
  `bail;IMP-2;IMPC-2;lmh;2026-04-03;5935000102;59350;${MEL};T2;PLAI;059122700000000102;1;15000;;directe`,
  `bail;IMP-3;IMPC-3;lmh;2026-04-04;5935000103;99999;${MEL};T2;PLAI;059122700000000103;1;15000;;directe`,
].join('\n');

describe('The web application for bailleurs, réservataires, the État and admins, in a real browser', () => {
  let app: TestApp;
  let browser: Browser;
  let position = 0;
  /** Errors the pages wrote to the browser console or threw, per page visited. */
  const consoleErrors: Record<string, string[]> = {};

  /** A person of `role` for `tenant`, signed in through her invitation link, on her home page once it has loaded. */
  const signIn = async (role: string, tenant: string | null, name: string): Promise<Page> => {
    const invited = await postJson(`${app.url}/v1/admin/people`, { name, email: null, role, tenant });
    expect(invited.status).toBe(201);
    const context = await browser.newContext({ acceptDownloads: true, locale: 'fr-FR', timezoneId: 'Europe/Paris' });
    const page = await context.newPage();
    // Generous waits: a shared CI machine may be slow; the figures themselves are checked exactly.
    page.setDefaultTimeout(90_000);
    const errors: string[] = [];
    consoleErrors[`${role}:${tenant ?? ''}`] = errors;
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('response', (response) => {
      if (response.status() >= 400) errors.push(`HTTP ${response.status()} ${response.request().method()} ${response.url()}`);
    });
    await page.goto(invited.body.signInLink);
    await page.waitForSelector('main[data-ready="true"]');
    return page;
  };

  /** The conventions of 2026 as the API answers them to the admin, projected up to the last write. */
  const conventions = async (): Promise<Convention[]> =>
    (
      await waitFor(
        () => getJson(`${app.url}/v1/conventions?year=2026`),
        (response) => response.status === 200 && response.body.freshness.position >= position,
      )
    ).body.conventions;

  const post = async (path: string, body: Record<string, unknown>) => {
    const response = await postJson(`${app.url}${path}`, { eventId: randomUUID(), ...body });
    expect({ path, status: response.status, code: response.body?.code }).toMatchObject({ status: 201 });
    position = Math.max(position, response.body.position ?? 0);
    return response;
  };

  /** Runs axe-core on a page (its CSP lifted in that context only) and keeps the serious and critical violations. */
  const seriousViolations = async (page: Page) => {
    const audit = await browser.newContext({ bypassCSP: true, storageState: await page.context().storageState() });
    const reader = await audit.newPage();
    reader.setDefaultTimeout(90_000);
    await reader.goto(page.url());
    await reader.waitForSelector('main[data-ready="true"]');
    await reader.addScriptTag({ path: createRequire(import.meta.url).resolve('axe-core/axe.min.js') });
    const violations = (await reader.evaluate(
      'axe.run().then((result) => result.violations.map((violation) => ({ id: violation.id, impact: violation.impact, nodes: violation.nodes.map((node) => node.target.join(" ")).slice(0, 3) })))',
    )) as { id: string; impact: string }[];
    await audit.close();
    return violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
  };

  beforeAll(async () => {
    app = await startTestApp();
    expect((await putJson(`${app.url}/v1/qpvs/QN05901M`, { name: 'Lille Sud', list: '2024', communes: ['59350'] })).status).toBe(
      201,
    );
    expect(
      (await putJson(`${app.url}/v1/qpvs/QP059001`, { name: 'Lille Sud (2015)', list: '2015', communes: ['59350'] })).status,
    ).toBe(201);
    for (const [id, name, kind] of [
      ['etat-59', 'Préfet du Nord', 'etat'],
      ['action-logement', 'Action Logement Services', 'action_logement'],
    ])
      expect([200, 201]).toContain((await putJson(`${app.url}/v1/reservataires/${id}`, { name, kind })).status);
    for (const lease of FIXTURE_LEASES) {
      const response = await postJson(`${app.url}/v1/leases`, { eventId: randomUUID(), ...leaseRequest(lease) });
      expect([200, 201]).toContain(response.status);
      position = Math.max(position, response.body.position);
    }
    await post(`/v1/epcis/${MEL}/quartile-thresholds`, {
      year: 2026,
      amountPerUc: THRESHOLD_2026,
      source: 'Arrêté du 2 mars 2026',
    });
    const convention = (conventionId: string, bailleurId: string, reservataireId: string, fluxShare: number) =>
      post('/v1/conventions', {
        conventionId,
        bailleurId,
        reservataireId,
        departement: '59',
        period: { startYear: 2025, endYear: 2030 },
        fluxShare,
        gestionMode: 'directe',
        signedOn: '2024-12-02',
      });
    await convention('C-AL-LMH', 'lmh', 'action-logement', 0.25);
    await convention('C-AL-VIL', 'vilogia', 'action-logement', 0.2);
    await convention('C-ETAT-VIL', 'vilogia', 'etat-59', 0.3);
    for (const bailleurId of ['lmh', 'vilogia'])
      for (let n = 0; n < 10; n += 1)
        await post('/v1/flux/releases', {
          bailleurId,
          rplsId: `${bailleurId === 'lmh' ? 5910 : 5920}${n}`,
          departement: '59',
          releasedOn: `2026-02-1${n}`,
          inNetBase: true,
        });
    // Four of vilogia's ten flats oriented to the préfet: 40 %, beyond the contingent's 30 %.
    for (const n of [0, 1, 2, 3])
      await post('/v1/flux/orientations', {
        bailleurId: 'vilogia',
        rplsId: `5920${n}`,
        reservataireId: 'etat-59',
        conventionId: 'C-ETAT-VIL',
        orientedOn: '2026-03-01',
      });
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  describe('a bailleur', () => {
    let page: Page;
    beforeAll(async () => {
      page = await signIn('bailleur', 'lmh', 'Dominique LMH');
    }, 120_000);

    it('sees each of its own conventions, owed against realised (pro rata), with the API’s figures and no other bailleur’s', async () => {
      const own = (await conventions()).filter((c) => c.bailleurId === 'lmh');
      expect(own.map((c) => c.conventionId)).toEqual(['C-AL-LMH']);
      // 10 flats released in 2026, a quarter owed: 2,5; leases 1 and 9 of the fixture are on Action Logement's flux.
      expect(own[0]).toMatchObject({ target: 2.5, counted: { total: 2 } });
      await page.getByRole('button', { name: 'Afficher' }).click();
      const table = page.locator('#conventions table');
      await expect(table.locator('tbody tr').count()).resolves.toBe(1);
      const cells = await table.locator('tbody tr').first().locator('td').allTextContents();
      expect(cells.slice(0, 3)).toEqual(['C-AL-LMH', 'Action Logement Services', '59']);
      expect(cells[3]).toBe(decimalFr(own[0]!.target));
      expect(cells[4]).toBe(decimalFr(own[0]!.proRataTargetToDate));
      expect(cells[5]).toBe('2');
      await page.screenshot({ path: join(SCREENSHOTS, 'bailleur.png'), fullPage: true });
    }, 90_000);

    it('sees its PRIO obligations, per réservataire and for its own non-réservé stock, each with its target, as the API gives them', async () => {
      const report = await getJson(`${app.url}/v1/epcis/${MEL}/compliance?year=2026&groupBy=bailleur`);
      const prio = report.body.objectives.find((objective: { id: string }) => objective.id === 'PRIO');
      const pairs = prio.scopes.filter(
        (s: { scope: { kind: string; parties?: { bailleurId: string } } }) =>
          s.scope.kind === 'bailleur_reservataire' && s.scope.parties?.bailleurId === 'lmh',
      );
      expect(pairs.length).toBeGreaterThan(0);
      // The page opens on the EPCI where the bailleur signed its leases.
      await expect(page.locator('#epci-bailleur').inputValue()).resolves.toBe(MEL);
      await page.fill('#epci-bailleur', MEL);
      await page.locator('#epci-bailleur').dispatchEvent('change');
      const cards = page.locator('#objectifs [data-objectif="PRIO"]');
      await cards.nth(pairs.length).waitFor();
      const titles = await cards.locator('.fr-card__title').allTextContents();
      expect(titles).toHaveLength(1 + pairs.length);
      expect(titles).toEqual(expect.arrayContaining([expect.stringMatching(/ : Non réservé$/)]));
      const ownStock = pairs.find(
        (s: { scope: { parties: { reservataireId: string } } }) => s.scope.parties.reservataireId === 'non_reserve',
      );
      expect(ownStock.figure.target).toBe(0.25);
    }, 90_000);

    it('opens its EPCI’s page without an error: the EPCI’s lease list, not open to a bailleur, is said so instead of failing', async () => {
      await page.goto(`${app.url}/epci/${MEL}`);
      await page.waitForSelector('main[data-ready="true"]');
      await expect(page.locator('#baux').textContent()).resolves.toMatch(/réservée à l’EPCI/);
      await expect(page.locator('#erreur').textContent()).resolves.toBe('');
      await page.goBack();
      await page.waitForSelector('main[data-ready="true"]');
    }, 90_000);

    it('cannot import a file its preview refused whole, until another file is chosen', async () => {
      const importer = page.getByRole('button', { name: 'Importer' });
      const misspelt = IMPORT_HEADER.replace('revenus_annuels', 'revenus_anuels');
      await page.setInputFiles('#fichier', { name: 'faute.csv', mimeType: 'text/csv', buffer: Buffer.from(`${misspelt}\n`) });
      const preview = page.locator('#apercu [data-import]');
      await preview.waitFor();
      await expect(preview.locator('[data-champ="refusees"]').textContent()).resolves.toBe('toutes (fichier refusé en entier)');
      await expect(importer.isDisabled()).resolves.toBe(true);
      await page.setInputFiles('#fichier', { name: 'baux.csv', mimeType: 'text/csv', buffer: Buffer.from(IMPORT_FILE) });
      await expect(importer.isDisabled()).resolves.toBe(false);
    }, 90_000);

    it('previews a file through the API’s dry run, in French, recording nothing', async () => {
      await page.setInputFiles('#fichier', { name: 'baux.csv', mimeType: 'text/csv', buffer: Buffer.from(IMPORT_FILE) });
      const preview = page.locator('#apercu [data-import]');
      await preview.waitFor();
      await expect(preview.locator('[data-champ="statut"]').textContent()).resolves.toBe('Terminé');
      await expect(preview.locator('[data-champ="lignes"]').textContent()).resolves.toBe('3 / 3');
      await expect(preview.locator('[data-champ="acceptees"]').textContent()).resolves.toBe('2');
      await expect(preview.locator('[data-champ="refusees"]').textContent()).resolves.toBe('1');
      const text = (await page.locator('#apercu').textContent())!;
      expect(text).toContain('Seraient enregistrées');
      expect(text).not.toMatch(/accepted|rejected|alreadyImported|"status"/);
      // The refused row, with its line, column and the French reason.
      const refused = await page.locator('#apercu table tbody tr').first().locator('td').allTextContents();
      expect(refused.slice(0, 4)).toEqual(['4', 'IMP-3', 'code_insee', '99999']);
      // A preview records nothing.
      const leases = await getJson(`${app.url}/v1/bailleurs/lmh/leases?year=2026`);
      expect(leases.body.leases.some((lease: { leaseId: string }) => lease.leaseId.startsWith('IMP-'))).toBe(false);
    }, 90_000);

    it('imports the file with its progress bar (done of total), shows the report, then undoes the import', async () => {
      await page.getByRole('button', { name: 'Importer' }).click();
      const report = page.locator('#rapport [data-import]');
      await report.waitFor({ timeout: 20_000 });
      await expect(report.locator('[data-champ="statut"]').textContent()).resolves.toBe('Terminé');
      await expect(report.locator('[data-champ="acceptees"]').textContent()).resolves.toBe('2');
      await expect(page.locator('#progression').getAttribute('value')).resolves.toBe('100');
      await expect(page.locator('#progression-texte').textContent()).resolves.toBe('3 ligne(s) traitée(s) sur 3 (100 %)');
      const imported = await waitFor(
        () => getJson(`${app.url}/v1/bailleurs/lmh/leases?year=2026`),
        (response) => response.body.leases.filter((lease: { leaseId: string }) => lease.leaseId.startsWith('IMP-')).length === 2,
      );
      expect(imported.status).toBe(200);
      await page.locator('#motif-annulation').fill('Fichier envoyé par erreur');
      await page.getByRole('button', { name: 'Annuler cet import' }).click();
      await expect(page.locator('[data-champ="annules"]').textContent()).resolves.toMatch(
        /^Import annulé : 2 bail\(s\) annulé\(s\)/,
      );
      const undone = await waitFor(
        () => getJson(`${app.url}/v1/bailleurs/lmh/leases?year=2026`),
        (response) => !response.body.leases.some((lease: { leaseId: string }) => lease.leaseId.startsWith('IMP-')),
      );
      expect(undone.status).toBe(200);
    }, 90_000);

    it('has no serious accessibility violation (axe-core)', async () => {
      await expect(seriousViolations(page)).resolves.toEqual([]);
    }, 180_000);
  });

  describe('a réservataire', () => {
    let page: Page;
    beforeAll(async () => {
      page = await signIn('reservataire', 'action-logement', 'Alex ALS');
    }, 120_000);

    it('sees its conventions, realised against owed year by year, and its audit ledger in French', async () => {
      const own = (await conventions()).filter((c) => c.reservataireId === 'action-logement');
      expect(own.map((c) => c.conventionId).sort()).toEqual(['C-AL-LMH', 'C-AL-VIL']);
      const ledger = await getJson(`${app.url}/v1/reservataires/action-logement/ledger?year=2026`);
      expect(ledger.body.total).toBeGreaterThan(0);
      await page.getByRole('button', { name: 'Afficher' }).click();
      await expect(page.locator('#conventions tbody tr').count()).resolves.toBe(2);
      // One line per year of the conventions' period up to the year shown: 2025 and 2026.
      const years = await Promise.all(
        (await page.locator('#par-annee tbody tr').all()).map((row) => row.locator('td').allTextContents()),
      );
      const owed2026 = own.reduce((sum, c) => sum + c.target, 0);
      const realised2026 = own.reduce((sum, c) => sum + (c.counted.total ?? 0), 0);
      expect(years.map((row) => row[0])).toEqual(['2025', '2026']);
      expect(years[1]!.slice(1, 4)).toEqual(['2', decimalFr(owed2026), String(realised2026)]);
      // The ledger's rows (the API answers `rows`), with French dates and counting rules.
      await expect(page.locator('#registre tbody tr').count()).resolves.toBe(ledger.body.rows.length);
      await expect(page.locator('[data-champ="total-registre"]').textContent()).resolves.toBe(
        `${ledger.body.total} fait(s) décompté(s) en 2026.`,
      );
      const first = await page.locator('#registre tbody tr').first().locator('td').allTextContents();
      expect(first[0]).toMatch(/^\d{2}\/\d{2}\/2026$/);
      expect(first[6]).toBe('Bail signé');
      // The commune by name, as the API's row names it, beside its INSEE code.
      const firstRow = ledger.body.rows[0] as { communeInsee: string; communeName: string | null };
      expect(firstRow.communeName).toBe(COMMUNES[firstRow.communeInsee]);
      expect(first[4]).toBe(`${firstRow.communeName} (${firstRow.communeInsee})`);
      const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#export-registre').click()]);
      const csv = readFileSync((await download.path())!, 'utf8').replace(/^\uFEFF/, '');
      const csvLines = csv.trim().split('\r\n');
      expect(csvLines).toHaveLength(1 + ledger.body.rows.length);
      // Bailleur and commune by name, each identifier in the next column (auditors match them).
      expect(csvLines[0]!.split(';').slice(0, 8)).toEqual([
        'Date',
        'Bailleur',
        'Identifiant du bailleur',
        'Convention',
        'RPLS',
        'Commune',
        'Code INSEE de la commune',
        'QPV',
      ]);
      const apiFirst = ledger.body.rows[0] as { bailleurId: string; communeInsee: string };
      expect(csvLines[1]!.split(';').slice(1, 3)).toEqual([`Bailleur ${apiFirst.bailleurId}`, apiFirst.bailleurId]);
      expect(csvLines[1]!.split(';').slice(5, 7)).toEqual([COMMUNES[apiFirst.communeInsee], apiFirst.communeInsee]);
      // The same ledger as a workbook: typed dates (the day, and the Paris time it was recorded), numbers as numbers.
      const [xlsx] = await Promise.all([page.waitForEvent('download'), page.locator('#export-registre-xlsx').click()]);
      const workbook = new ExcelJS.Workbook();
      await workbook.xlsx.readFile((await xlsx.path())!);
      const sheet = workbook.getWorksheet('Registre')!;
      expect((sheet.getRow(1).values as unknown[]).slice(1, 5)).toEqual([
        'Date',
        'Bailleur',
        'Identifiant du bailleur',
        'Convention',
      ]);
      expect(sheet.rowCount).toBe(1 + ledger.body.rows.length);
      const row = sheet.getRow(2);
      const api = ledger.body.rows[0] as {
        date: string;
        weight: number;
        recordedAt: string;
        bailleurId: string;
        communeInsee: string;
      };
      expect(row.getCell(1).value).toEqual(new Date(`${api.date}T00:00:00Z`));
      expect([row.getCell(2).value, row.getCell(3).value]).toEqual([`Bailleur ${api.bailleurId}`, api.bailleurId]);
      expect([row.getCell(6).value, row.getCell(7).value]).toEqual([COMMUNES[api.communeInsee], api.communeInsee]);
      expect(row.getCell(10).value).toBe(api.weight);
      // Recorded at, as the wall-clock time in Paris (a spreadsheet has no time zone).
      const recorded = row.getCell(13).value as Date;
      const paris = new Date(api.recordedAt).toLocaleString('sv-SE', { timeZone: 'Europe/Paris' }).slice(0, 16);
      expect(recorded.toISOString().slice(0, 16).replace('T', ' ')).toBe(paris);
      await page.screenshot({ path: join(SCREENSHOTS, 'reservataire.png'), fullPage: true });
    }, 90_000);

    it('has no serious accessibility violation (axe-core)', async () => {
      await expect(seriousViolations(page)).resolves.toEqual([]);
    }, 180_000);
  });

  describe('the État in the Nord', () => {
    let page: Page;
    beforeAll(async () => {
      page = await signIn('etat', '59', 'Claude DDETS');
    }, 120_000);

    it('puts every EPCI of its département side by side, with the API’s figures', async () => {
      await conventions();
      const listed = (await getJson(`${app.url}/v1/departements/59/epcis`)).body.epcis as { siren: string; name: string }[];
      expect(listed.length).toBeGreaterThan(10);
      expect(listed.find((epci) => epci.siren === MEL)?.name).toBe('Métropole Européenne de Lille');
      // The page asks the département's figures in one request, never one per EPCI.
      const asked: string[] = [];
      const onRequest = (request: { url(): string }) => {
        const path = new URL(request.url()).pathname;
        if (/\/compliance$/.test(path)) asked.push(path);
      };
      page.on('request', onRequest);
      await Promise.all([
        page.waitForResponse((response) => new URL(response.url()).pathname === '/v1/departements/59/compliance'),
        page.getByRole('button', { name: 'Afficher' }).click(),
      ]);
      await page.waitForFunction(
        (n) => (globalThis as unknown as { document: Document }).document.querySelectorAll('#epcis tbody tr').length === n,
        listed.length,
        {
          timeout: 20_000,
        },
      );
      page.off('request', onRequest);
      expect(asked).toEqual(['/v1/departements/59/compliance']);
      const mel = page.locator('#epcis tbody tr', { hasText: 'Métropole Européenne de Lille' });
      const report = (await getJson(`${app.url}/v1/epcis/${MEL}/compliance?year=2026`)).body;
      const hq1 = report.objectives.find((o: { id: string }) => o.id === 'HQ1').scopes[0].figure;
      const cells = await mel.locator('td').allTextContents();
      expect(cells[1]).toBe(String(report.dataQuality.leases));
      expect(cells[2]).toBe('57,1 % / 25 % — Atteint');
      expect(hq1.numerator / hq1.denominator).toBeCloseTo(0.571, 3);
    }, 90_000);

    it('reads its département’s EPCIs side by side in one request, with each EPCI’s own figures; no other département’s', async () => {
      const etat = await createKey(app.url, 'etat', '59');
      const summary = await getJson(`${app.url}/v1/departements/59/compliance?year=2026`, etat.auth);
      expect(summary.status).toBe(200);
      const listed = (await getJson(`${app.url}/v1/departements/59/epcis`)).body.epcis as { siren: string }[];
      expect(summary.body.epcis.map((epci: { siren: string }) => epci.siren).sort()).toEqual(
        listed.map((epci) => epci.siren).sort(),
      );
      const mel = summary.body.epcis.find((epci: { siren: string }) => epci.siren === MEL);
      const report = (await getJson(`${app.url}/v1/epcis/${MEL}/compliance?year=2026`, etat.auth)).body;
      expect(mel).toMatchObject({ name: 'Métropole Européenne de Lille', leases: report.dataQuality.leases });
      for (const objective of report.objectives) {
        const { monthly: _monthly, ...figure } = objective.scopes.find(
          (scope: { scope: { kind: string } }) => scope.scope.kind === 'epci',
        ).figure;
        expect(mel.objectives.find((o: { id: string }) => o.id === objective.id)).toEqual({
          id: objective.id,
          target: objective.target,
          figure,
        });
      }
      // Another département's État gets the 404 of one that does not exist; a bailleur may not ask.
      const pasDeCalais = await createKey(app.url, 'etat', '62');
      const other = await getJson(`${app.url}/v1/departements/59/compliance?year=2026`, pasDeCalais.auth);
      expect({ status: other.status, code: other.body.code }).toEqual({ status: 404, code: 'NOT_FOUND' });
      const bailleur = await createKey(app.url, 'bailleur', 'lmh');
      expect((await getJson(`${app.url}/v1/departements/59/compliance?year=2026`, bailleur.auth)).status).toBe(403);
      // A bad year is refused, naming the parameter.
      const bad = await getJson(`${app.url}/v1/departements/59/compliance?year=deux-mille`, etat.auth);
      expect(bad.status).toBe(400);
      // Documented in the OpenAPI document.
      const document = (await (await fetch(`${app.url}/docs/openapi.json`)).json()) as {
        paths: Record<string, { get?: { 'x-vigie-roles'?: string[] } }>;
      };
      expect(document.paths['/v1/departements/{departement}/compliance']?.get?.['x-vigie-roles']).toEqual(['etat', 'admin']);
    }, 90_000);

    it('checks the préfet contingent of each convention of the département', async () => {
      const etat = (await conventions()).filter((c) => c.contingent);
      expect(etat.map((c) => [c.conventionId, c.contingent!.withinLimits])).toEqual([['C-ETAT-VIL', false]]);
      const row = page.locator('#contingent tbody tr');
      await expect(row.count()).resolves.toBe(1);
      const cells = await row.first().locator('td').allTextContents();
      expect(cells[1]).toBe('C-ETAT-VIL');
      expect(cells[3]).toBe('4 soit 40 % (limite 30 %) — au-delà de la limite');
      expect(cells[6]).toBe('Non conforme');
      await page.screenshot({ path: join(SCREENSHOTS, 'etat.png'), fullPage: true });
    }, 90_000);

    it('has no serious accessibility violation (axe-core)', async () => {
      await expect(seriousViolations(page)).resolves.toEqual([]);
    }, 180_000);
  });

  describe('an administrator', () => {
    let page: Page;
    beforeAll(async () => {
      page = await signIn('admin', null, 'Sacha Admin');
    }, 120_000);

    it('opens no empty page for an organisation Vigie does not know: a 404 page naming it, as the API answers its figures', async () => {
      // Another tab: the 404 answers stay out of the console check of the admin's own page.
      const tab = await page.context().newPage();
      try {
        for (const [path, said] of [
          ['/epci/200093202', 'Aucun EPCI de SIREN « 200093202 » n’est connu de Vigie'],
          ['/epci/200093202/rapport', 'Aucun EPCI de SIREN « 200093202 »'],
          ['/bailleur/lille-metropole-habita', 'Aucun bailleur enregistré ne porte l’identifiant « lille-metropole-habita »'],
          ['/reservataire/action-logment', 'Aucun réservataire enregistré ne porte l’identifiant « action-logment »'],
          ['/etat/98', 'Aucun département de code « 98 »'],
        ] as const) {
          const answer = await tab.goto(`${app.url}${path}`);
          expect({ path, status: answer?.status() }).toEqual({ path, status: 404 });
          await expect(tab.locator('h1').textContent()).resolves.toBe('Page introuvable');
          await expect(tab.locator('[role="alert"]').textContent()).resolves.toContain(said);
        }
        expect((await tab.goto(`${app.url}/epci/${MEL}`))?.status()).toBe(200);
        expect((await tab.goto(`${app.url}/etat/2A`))?.status()).toBe(200);
      } finally {
        await tab.close();
      }
    });

    it('registers a bailleur and a réservataire from the page', async () => {
      await page.locator('#org-type').selectOption('bailleur');
      await page.locator('#org-id').fill('habitat-du-nord');
      await page.locator('#org-nom').fill('Habitat du Nord');
      await page.getByRole('button', { name: 'Enregistrer l’organisme' }).click();
      await page.locator('#organisme-resultat', { hasText: 'Bailleur « Habitat du Nord » enregistré' }).waitFor();
      await page.locator('#org-type').selectOption('collectivite');
      await page.locator('#org-id').fill('ville-de-roubaix');
      await page.locator('#org-nom').fill('Ville de Roubaix');
      await page.getByRole('button', { name: 'Enregistrer l’organisme' }).click();
      await page.locator('#organisme-resultat', { hasText: 'Réservataire « Ville de Roubaix » enregistré' }).waitFor();
      const bailleurs = (
        await waitFor(
          () => getJson(`${app.url}/v1/bailleurs`),
          (response) => (response.body as { id: string }[]).some((b) => b.id === 'habitat-du-nord'),
        )
      ).body as { id: string; name: string }[];
      expect(bailleurs.find((b) => b.id === 'habitat-du-nord')?.name).toBe('Habitat du Nord');
      // The referential is read from its projection: wait for it to include the write.
      const reservataires = (
        await waitFor(
          () => getJson(`${app.url}/v1/reservataires`),
          (response) => (response.body as { id: string }[]).some((r) => r.id === 'ville-de-roubaix'),
        )
      ).body as { id: string; kind: string }[];
      expect(reservataires.find((r) => r.id === 'ville-de-roubaix')?.kind).toBe('collectivite');
      await page.locator('#organismes tr', { hasText: 'Ville de Roubaix' }).waitFor();
      // A bad identifier is refused with the API's French message naming the field.
      const before = consoleErrors['admin:']!.length;
      await page.locator('#org-id').fill('Pas Valide!');
      await page.getByRole('button', { name: 'Enregistrer l’organisme' }).click();
      await expect(page.locator('#organisme-resultat .fr-alert--error').textContent({ timeout: 10_000 })).resolves.toMatch(
        /identifiant/i,
      );
      // That refusal is the one failed request this page is expected to make (the browser logs it).
      const added = consoleErrors['admin:']!.splice(before);
      expect(added.length).toBeGreaterThan(0);
      expect(added.every((error) => /400/.test(error))).toBe(true);
    }, 90_000);

    it('creates an API key (shown once, and working), then revokes it', async () => {
      await page.locator('#cle-libelle').fill('SI de Habitat du Nord');
      await page.locator('#cle-role').selectOption('bailleur');
      await page.locator('#cle-organisme').fill('habitat-du-nord');
      await page.getByRole('button', { name: 'Créer la clé' }).click();
      const key = (await page.locator('#cle-secrete').textContent())!;
      expect(key).toMatch(/^vigie_/);
      const me = await fetch(`${app.url}/v1/me`, { headers: { authorization: `Bearer ${key}` } });
      expect(me.status).toBe(200);
      const keys = (await (await adminFetch(`${app.url}/v1/admin/api-keys`)).json()) as { id: string; label: string }[];
      const created = keys.find((k) => k.label === 'SI de Habitat du Nord')!;
      await page.locator(`[data-revoquer="${created.id}"]`).click();
      await page.waitForFunction(
        (keyId) => !(globalThis as unknown as { document: Document }).document.querySelector(`[data-revoquer="${keyId}"]`),
        created.id,
      );
      const revoked = await fetch(`${app.url}/v1/me`, { headers: { authorization: `Bearer ${key}` } });
      expect(revoked.status).toBe(401);
      await page.screenshot({ path: join(SCREENSHOTS, 'admin-organismes.png'), fullPage: true });
    }, 90_000);

    it('has no serious accessibility violation (axe-core)', async () => {
      await expect(seriousViolations(page)).resolves.toEqual([]);
    }, 180_000);
  });

  it('wrote no error to the browser console on any page (the DSFR and Vigie scripts load cleanly)', () => {
    expect(Object.keys(consoleErrors).sort()).toEqual(['admin:', 'bailleur:lmh', 'etat:59', 'reservataire:action-logement']);
    expect(consoleErrors).toEqual({
      'admin:': [],
      'bailleur:lmh': [],
      'etat:59': [],
      'reservataire:action-logement': [],
    });
  }, 90_000);
});
