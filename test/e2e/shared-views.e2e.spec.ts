import { randomUUID } from 'node:crypto';
import { FIXTURE_LEASES, MEL, THRESHOLD_2026 } from '../fixtures/compliance-mel-2026.js';
import { adminFetch, createKey, getJson, postJson, startTestApp, type TestApp, waitFor } from '../support/app.js';
import { leaseRequest } from '../support/lease-requests.js';

type Figure = { numerator: number | null; denominator: number | null; rate: number | null; status: string; masked?: string[] };
type View = {
  objectives: Array<{ id: string; scopes: Array<{ scope: { kind: string; id: string }; figure: Figure }> }>;
  statisticalSecrecy?: { threshold: number };
};

const scopesOf = (view: View, objective: string) =>
  view.objectives
    .find((o) => o.id === objective)!
    .scopes.map(({ scope, figure }) => [`${scope.kind}:${scope.id}`, figure.numerator, figure.denominator]);

describe('Figures shared outside their owner: statistical secrecy (threshold 5)', () => {
  let app: TestApp;
  let position = 0;

  beforeAll(async () => {
    app = await startTestApp();
    const put = (path: string, body: unknown) =>
      adminFetch(`${app.url}${path}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await put('/v1/qpvs/QN05901M', { name: 'Lille Sud', list: '2024', communes: ['59350'] })).status).toBe(201);
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
  });

  afterAll(async () => {
    await app.close();
  });

  const read = async (key: { auth: Record<string, string> }, query: string) =>
    waitFor(
      () => getJson(`${app.url}/v1/epcis/${MEL}/compliance?year=2026&${query}`, key.auth),
      (r) => r.status !== 200 || r.body.freshness.position >= position,
    );

  it('shows the EPCI and the État of its département every figure, unmasked', async () => {
    for (const key of [await createKey(app.url, 'epci', MEL), await createKey(app.url, 'etat', '59')]) {
      const view = (await read(key, 'groupBy=bailleur')).body as View;
      expect(view.statisticalSecrecy).toBeUndefined();
      expect(scopesOf(view, 'HQ1')).toEqual([
        [`epci:${MEL}`, 4, 7],
        ['bailleur:lmh', 2, 4],
        ['bailleur:vilogia', 2, 3],
      ]);
    }
    expect((await read(await createKey(app.url, 'etat', '62'), 'groupBy=bailleur')).status).toBe(404);
  });

  it('shows a bailleur its own figures whole, not another bailleur’s, and the EPCI’s under secrecy', async () => {
    const lmh = await createKey(app.url, 'bailleur', 'lmh');
    const response = await read(lmh, 'groupBy=bailleur');
    expect(response.status).toBe(200);
    const view = response.body as View;
    expect(view.statisticalSecrecy).toMatchObject({ threshold: 5 });
    // HQ1 of the MEL: 4 of 7 → 4 is secret (and 7 − 4 = 3 too): numerator, rate and status hidden; 7 shown.
    expect(scopesOf(view, 'HQ1')).toEqual([
      [`epci:${MEL}`, null, 7],
      ['bailleur:lmh', 2, 4],
    ]);
    const epciFigure = view.objectives.find((o) => o.id === 'HQ1')!.scopes[0]!.figure;
    expect(epciFigure).toMatchObject({ rate: null, status: 'non_evaluable' });
    expect(epciFigure.masked).toEqual(expect.arrayContaining(['numerator', 'rate', 'status']));
    // PRIO of the MEL: 3 of 12 → the 3 is masked, the 12 is not; by réservataire, every count of 1 to 4 is masked.
    expect(scopesOf(view, 'PRIO')).toEqual([
      [`epci:${MEL}`, null, 12],
      ['bailleur:lmh', 2, 6],
      ['reservataire:action-logement', null, null],
      ['reservataire:etat-59', null, null],
      ['reservataire:mel', null, null],
      ['reservataire:non_reserve', 0, 5],
      // Its own obligations, whole: on each réservataire's flux, and on its own non-réservé stock.
      ['bailleur_reservataire:lmh:action-logement', 1, 2],
      ['bailleur_reservataire:lmh:mel', 1, 1],
      ['bailleur_reservataire:lmh:non_reserve', 0, 3],
    ]);

    const csv = await fetch(`${app.url}/v1/epcis/${MEL}/compliance?year=2026&groupBy=bailleur&format=csv`, { headers: lmh.auth });
    const lines = Buffer.from(await csv.arrayBuffer())
      .subarray(3)
      .toString('utf8')
      .split('\r\n');
    expect(lines.filter((line) => line.includes(';vilogia;'))).toEqual([]);
    expect(lines.find((line) => line.startsWith(`Métropole Européenne de Lille;${MEL};2026;HQ1;EPCI;`))).toMatch(
      new RegExp(
        `^Métropole Européenne de Lille;${MEL};2026;HQ1;EPCI;Métropole Européenne de Lille;${MEL};;7;;25;;Non évaluable;`,
      ),
    );
  });

  it('shows a réservataire what is counted for it, and nobody else’s', async () => {
    const als = await createKey(app.url, 'reservataire', 'action-logement');
    const view = (await read(als, 'groupBy=reservataire')).body as View;
    expect(scopesOf(view, 'PRIO')).toEqual([
      [`epci:${MEL}`, null, 12],
      ['reservataire:action-logement', 1, 4],
      // What each bailleur realised on its flux, whole; nobody else's pairs.
      ['bailleur_reservataire:lmh:action-logement', 1, 2],
      ['bailleur_reservataire:vilogia:action-logement', 0, 2],
    ]);
  });
});
