import { randomUUID } from 'node:crypto';
import { alertStreamId, type AlertSubject } from '@vigie/domain';
import { createKey, getJson, postJson, startTestApp, type TestApp, type TestKey, waitFor } from '../support/app.js';

const MEL = '200093201';

/**
 * Alerts are recorded as the alert monitor records them (AlertRaised on the alert's own stream);
 * the rules that raise them have their own specs (alerts, alert-monitor). Here: who sees them.
 */
const PRIO_PAIR: AlertSubject = {
  rule: 'RATE_BELOW_TARGET',
  epciSiren: MEL,
  year: 2026,
  objective: 'PRIO',
  scope: { kind: 'bailleur_reservataire', id: 'lmh:action-logement' },
};
const PRIO_OWN_STOCK: AlertSubject = { ...PRIO_PAIR, scope: { kind: 'bailleur_reservataire', id: 'lmh:non_reserve' } };
const VILOGIA_HQ1: AlertSubject = { ...PRIO_PAIR, objective: 'HQ1', scope: { kind: 'bailleur', id: 'vilogia' } };
/** As the monitor now records it: with the convention's département. */
const CONTINGENT_59: AlertSubject = {
  rule: 'CONTINGENT_MISUSE',
  epciSiren: null,
  year: 2026,
  objective: 'CONTINGENT',
  scope: { kind: 'convention', id: 'lmh:etat-59:ETAT-LMH-59' },
  departement: '59',
};
/** Recorded before alerts named their département: the projection reads it from the convention's signature. */
const CONTINGENT_62: AlertSubject = {
  rule: 'CONTINGENT_MISUSE',
  epciSiren: null,
  year: 2026,
  objective: 'CONTINGENT',
  scope: { kind: 'convention', id: 'lmh:action-logement:ALS-LMH-62' },
};
const FLUX_59: AlertSubject = {
  rule: 'FLUX_DRIFT',
  epciSiren: null,
  year: 2026,
  objective: 'FLUX',
  scope: { kind: 'convention', id: 'lmh:action-logement:ALS-LMH-59' },
};
/** The préfet's own convention: the État's services are its party, and see its figures whole. */
const PREFET_FLUX_59: AlertSubject = {
  ...FLUX_59,
  scope: { kind: 'convention', id: 'lmh:etat-59:ETAT-LMH-59' },
  departement: '59',
};

const id = alertStreamId;

describe('An alert is shown to every organisation it is about, and to no other', () => {
  let app: TestApp;
  const keys: Record<string, TestKey> = {};
  const live: Record<string, string[]> = {};
  const abort = new AbortController();

  const visible = async (key: string) =>
    ((await getJson(`${app.url}/v1/alerts`, keys[key]!.auth)).body as Array<{ alertId: string }>).map((a) => a.alertId).sort();

  beforeAll(async () => {
    app = await startTestApp();
    for (const [name, role, tenant] of [
      ['etat59', 'etat', '59'],
      ['etat62', 'etat', '62'],
      ['lmh', 'bailleur', 'lmh'],
      ['vilogia', 'bailleur', 'vilogia'],
      ['als', 'reservataire', 'action-logement'],
      ['mel', 'epci', MEL],
    ] as const)
      keys[name] = await createKey(app.url, role, tenant);
    // Two conventions signed by the bailleur only (not binding yet: the monitor leaves them alone).
    for (const [conventionId, departement] of [
      ['ALS-LMH-59', '59'],
      ['ALS-LMH-62', '62'],
    ])
      expect(
        (
          await postJson(
            `${app.url}/v1/conventions`,
            {
              conventionId,
              bailleurId: 'lmh',
              reservataireId: 'action-logement',
              departement,
              period: { startYear: 2025, endYear: 2028 },
              fluxShare: 0.25,
              gestionMode: 'directe',
              signedOn: '2024-12-02',
            },
            keys.lmh!.auth,
          )
        ).status,
      ).toBe(201);

    // The bailleur lmh and the État of 59 follow the live stream from here.
    for (const key of ['lmh', 'etat59']) {
      const response = await fetch(`${app.url}/v1/stream`, { headers: keys[key]!.auth, signal: abort.signal });
      expect(response.status).toBe(200);
      live[key] = [];
      void (async () => {
        const decoder = new TextDecoder();
        let buffer = '';
        try {
          for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
            buffer += decoder.decode(chunk, { stream: true });
            let end;
            while ((end = buffer.indexOf('\n\n')) >= 0) {
              const block = buffer.slice(0, end);
              buffer = buffer.slice(end + 2);
              const data = /^data: (.*)$/m.exec(block)?.[1];
              if (/^event: alert$/m.test(block) && data) live[key]!.push(JSON.parse(data).alertId);
            }
          }
        } catch {
          // aborted at the end of the suite
        }
      })();
    }
    await new Promise((resolve) => setTimeout(resolve, 200));

    const measure = (numerator: number, denominator: number) => ({
      numerator,
      denominator,
      rate: numerator / denominator,
      target: 0.3,
      threshold: 0.28,
      neededToTarget: 5,
      expectedYearEndDenominator: null,
    });
    for (const [subject, m] of [
      [PRIO_PAIR, measure(2, 25)],
      [PRIO_OWN_STOCK, measure(3, 30)],
      [VILOGIA_HQ1, measure(1, 40)],
      [CONTINGENT_59, measure(40, 100)],
      [CONTINGENT_62, measure(40, 100)],
      [FLUX_59, measure(3, 100)],
      [PREFET_FLUX_59, measure(3, 100)],
    ] as const)
      await app.running.runtime.store.append(id(subject), [
        {
          eventId: randomUUID(),
          type: 'AlertRaised',
          data: { ...subject, measure: m, evidence: { position: 1, scopePosition: 1 }, raisedAt: new Date().toISOString() },
          metadata: { actor: 'system:alert-monitor', source: 'alerts' },
        },
      ]);
    await waitFor(
      async () => (await getJson(`${app.url}/v1/alerts`)).body.length,
      (n: number) => n === 7,
    );
  });

  afterAll(async () => {
    abort.abort();
    await app.close();
  });

  it("shows the État of a département the alerts of its EPCIs and of the conventions there, and the préfet's contingent", async () => {
    expect(await visible('etat59')).toEqual(
      [id(CONTINGENT_59), id(FLUX_59), id(PREFET_FLUX_59), id(PRIO_OWN_STOCK), id(PRIO_PAIR), id(VILOGIA_HQ1)].sort(),
    );
    expect(await visible('etat62')).toEqual([id(CONTINGENT_62)]);
  });

  it('shows a bailleur its PRIO pairs and its conventions, never another bailleur’s', async () => {
    expect(await visible('lmh')).toEqual(
      [id(CONTINGENT_59), id(CONTINGENT_62), id(FLUX_59), id(PREFET_FLUX_59), id(PRIO_OWN_STOCK), id(PRIO_PAIR)].sort(),
    );
    expect(await visible('vilogia')).toEqual([id(VILOGIA_HQ1)]);
  });

  it('exports the alerts a bailleur sees as CSV and XLSX, in French, with names beside the identifiers', async () => {
    const csv = await fetch(`${app.url}/v1/alerts?format=csv`, { headers: keys.lmh!.auth });
    expect(csv.status).toBe(200);
    const lines = (await csv.text())
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(lines[0]!.split(';')).toEqual([
      'Alerte',
      'Statut',
      'Règle',
      'Code de la règle',
      'Objectif',
      'EPCI',
      'SIREN de l’EPCI',
      'Année',
      'Périmètre',
      'Nom du périmètre',
      'Identifiant du périmètre',
      'Taux au déclenchement (%)',
      'Cible (%)',
      'Déclenchée le',
      'Résolue le',
      'Position',
    ]);
    expect(lines).toHaveLength(1 + 6);
    const ownStock = lines.find((line) => line.startsWith(`${id(PRIO_OWN_STOCK)};`))!.split(';');
    // Rates as the compliance export gives them: percentages to one decimal (a comma in French CSV).
    expect(ownStock[11]).toMatch(/^\d{1,3}(,\d)?$/);
    expect(ownStock[12]).toMatch(/^\d{1,3}(,\d)?$/);
    expect(Number(ownStock[11]!.replace(',', '.'))).toBeLessThan(Number(ownStock[12]!.replace(',', '.')));
    expect(ownStock.slice(2, 11)).toEqual([
      'Taux sous la cible',
      'RATE_BELOW_TARGET',
      'PRIO',
      'Métropole Européenne de Lille',
      MEL,
      '2026',
      'Bailleur × réservataire',
      expect.stringMatching(/ × Non réservé$/),
      'lmh:non_reserve',
    ]);
    // Filtered to one PRIO obligation: its scope id holds the two parties.
    const one = await getJson(`${app.url}/v1/alerts?scope=bailleur_reservataire:lmh:non_reserve`, keys.lmh!.auth);
    expect(one.status).toBe(200);
    expect(one.body.map((alert: { alertId: string }) => alert.alertId)).toEqual([id(PRIO_OWN_STOCK)]);
    const xlsx = await fetch(`${app.url}/v1/alerts?format=xlsx`, { headers: keys.lmh!.auth });
    expect(xlsx.status).toBe(200);
    expect(xlsx.headers.get('content-type')).toMatch(/spreadsheetml/);
  });

  it('shows a réservataire the alerts on its flux at a bailleur and on its conventions', async () => {
    expect(await visible('als')).toEqual([id(CONTINGENT_62), id(FLUX_59), id(PRIO_PAIR)].sort());
  });

  it('shows an EPCI the alerts of its EPCI, as before (conventions belong to no EPCI)', async () => {
    expect(await visible('mel')).toEqual([id(PRIO_OWN_STOCK), id(PRIO_PAIR), id(VILOGIA_HQ1)].sort());
  });

  it("masks, for the État, the flux households of a convention not the préfet's under the secrecy threshold", async () => {
    const alerts = (await getJson(`${app.url}/v1/alerts`, keys.etat59!.auth)).body as Array<{
      alertId: string;
      measure: unknown;
    }>;
    expect(alerts.find((a) => a.alertId === id(FLUX_59))!.measure).toMatchObject({
      numerator: null,
      rate: null,
      neededToTarget: null,
      denominator: 100,
    });
    expect(alerts.find((a) => a.alertId === id(PREFET_FLUX_59))!.measure).toMatchObject({ numerator: 3, rate: 0.03 });
    const parties = (await getJson(`${app.url}/v1/alerts`, keys.lmh!.auth)).body.find(
      (a: { alertId: string }) => a.alertId === id(FLUX_59),
    );
    expect(parties.measure).toMatchObject({ numerator: 3, rate: 0.03 });
  });

  it('pushes a bailleur, live, the same alerts as it lists', async () => {
    const expected = [id(CONTINGENT_59), id(CONTINGENT_62), id(FLUX_59), id(PREFET_FLUX_59), id(PRIO_OWN_STOCK), id(PRIO_PAIR)];
    await waitFor(
      async () => live.lmh!.length,
      (n) => n >= expected.length,
    );
    expect([...live.lmh!].sort()).toEqual(expected.sort());
  });

  it('pushes the État, live, the alerts of its EPCIs and the préfet contingent’s, and leaves a convention’s flux to the (masked) list', async () => {
    const expected = [id(CONTINGENT_59), id(PRIO_OWN_STOCK), id(PRIO_PAIR), id(VILOGIA_HQ1)];
    await waitFor(
      async () => live.etat59!.length,
      (n) => n >= expected.length,
    );
    // lmh's stream has shown the last alert recorded: the État's, fed by the same reader, has had them all.
    await waitFor(
      async () => live.lmh!.length,
      (n) => n >= 6,
    );
    expect([...live.etat59!].sort()).toEqual(expected.sort());
  });
});
