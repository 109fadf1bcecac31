import { randomUUID } from 'node:crypto';
import { EXPECTED, FIXTURE_LEASES, MEL, THRESHOLD_2026 } from '../fixtures/compliance-mel-2026.js';
import { leaseRequest } from '../support/lease-requests.js';
import { adminFetch, getJson, postJson, startTestApp, waitFor, type TestApp } from '../support/app.js';

type Figure = {
  numerator: number;
  denominator: number;
  status: string;
  target: number;
  pendingQ1: number;
  awaitingThreshold: number;
  unknownQ1: number;
};
type Scope = { scope: { kind: string; id: string }; figure: Figure };
type Objective = { id: string; scopes: Scope[] };

const epciFigure = (body: { objectives: Objective[] }, id: string) =>
  body.objectives.find((o) => o.id === id)!.scopes.find((s) => s.scope.kind === 'epci')!.figure;
const scopeFigure = (body: { objectives: Objective[] }, id: string, kind: string, scope: string) =>
  body.objectives.find((o) => o.id === id)!.scopes.find((s) => s.scope.kind === kind && s.scope.id === scope)!.figure;

async function put(url: string, body: unknown) {
  const response = await adminFetch(url, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

describe('Compliance of the MEL in 2026, through the API (hand-computed fixture)', () => {
  let app: TestApp;
  let lastPosition = 0;
  const leaseEventIds = new Map<string, string>();

  const compliance = async (query = '') => {
    const response = await waitFor(
      () => getJson(`${app.url}/v1/epcis/${MEL}/compliance?year=2026${query}`),
      (r) => r.status !== 200 || r.body.freshness.position >= lastPosition,
    );
    expect(response.status).toBe(200);
    return response.body;
  };
  const track = (response: { status: number; body: { position: number } }) => {
    expect([200, 201]).toContain(response.status);
    lastPosition = Math.max(lastPosition, response.body.position);
    return response;
  };

  beforeAll(async () => {
    app = await startTestApp();
    expect((await put(`${app.url}/v1/qpvs/QN05901M`, { name: 'Lille Sud', list: '2024', communes: ['59350'] })).status).toBe(201);
    expect(
      (await put(`${app.url}/v1/qpvs/QP059001`, { name: 'Lille Sud (2015)', list: '2015', communes: ['59350'] })).status,
    ).toBe(201);
    for (const lease of FIXTURE_LEASES) {
      const eventId = randomUUID();
      leaseEventIds.set(lease.leaseId, eventId);
      track(await postJson(`${app.url}/v1/leases`, { eventId, ...leaseRequest(lease) }));
    }
  });

  afterAll(async () => {
    await app.close();
  });

  it('keeps Q1 leases pending until the year’s threshold is published', async () => {
    const body = await compliance();
    expect(body.threshold).toBeNull();
    expect(body.cia.adopted).toBe(false);
    expect(epciFigure(body, 'HQ1')).toMatchObject(EXPECTED.PENDING.HQ1);
    expect(epciFigure(body, 'QNQ1')).toMatchObject(EXPECTED.PENDING.QNQ1);
  });

  it('computes every objective once the threshold is published, with no replay to wait for', async () => {
    const before = lastPosition;
    track(
      await postJson(`${app.url}/v1/epcis/${MEL}/quartile-thresholds`, {
        year: 2026,
        amountPerUc: THRESHOLD_2026,
        source: 'Arrêté du 2 mars 2026',
      }),
    );
    const body = await compliance();
    expect(body.threshold).toEqual({ amountPerUc: THRESHOLD_2026, source: 'Arrêté du 2 mars 2026' });
    expect(epciFigure(body, 'HQ1')).toMatchObject({ numerator: 4, denominator: 7, status: 'atteint', unknownQ1: 1 });
    expect(epciFigure(body, 'QNQ1')).toMatchObject({ numerator: 2, denominator: 5, status: 'en_retard' });
    // EPCI-wide, PRIO is information (no target, no status) unless the CIA sets one.
    expect(epciFigure(body, 'PRIO')).toMatchObject({ numerator: 3, denominator: 12, target: null, status: 'non_evaluable' });
    for (const [reservataire, expected] of Object.entries(EXPECTED.PRIO_BY_RESERVATAIRE)) {
      expect(scopeFigure(body, 'PRIO', 'reservataire', reservataire)).toMatchObject(expected);
    }
    for (const [pair, expected] of Object.entries(EXPECTED.PRIO_BY_BAILLEUR_RESERVATAIRE)) {
      expect(scopeFigure(body, 'PRIO', 'bailleur_reservataire', pair)).toMatchObject(expected);
    }
    expect(body.dataQuality).toEqual(EXPECTED.DATA_QUALITY);

    // As of the position before the threshold, the figures are the pending ones: a past bilan is reproducible.
    const asOf = await compliance(`&asOf=${before}`);
    expect(asOf.asOf).toMatchObject({ position: before, live: false });
    expect(epciFigure(asOf, 'HQ1')).toMatchObject(EXPECTED.PENDING.HQ1);

    // As of the last position, the figures are the live ones.
    const atHead = await compliance(`&asOf=${body.asOf.position}`);
    expect(atHead.objectives.map((o: Objective) => o.scopes.map((s) => [s.figure.numerator, s.figure.denominator]))).toEqual(
      body.objectives.map((o: Objective) => o.scopes.map((s) => [s.figure.numerator, s.figure.denominator])),
    );
  });

  it('splits by bailleur, and answers CSV for Excel', async () => {
    const body = await compliance('&groupBy=bailleur');
    for (const [bailleur, expected] of Object.entries(EXPECTED.HQ1_BY_BAILLEUR))
      expect(scopeFigure(body, 'HQ1', 'bailleur', bailleur)).toMatchObject(expected);
    for (const [bailleur, expected] of Object.entries(EXPECTED.QNQ1_BY_BAILLEUR))
      expect(scopeFigure(body, 'QNQ1', 'bailleur', bailleur)).toMatchObject(expected);

    const csv = await adminFetch(`${app.url}/v1/epcis/${MEL}/compliance?year=2026&groupBy=bailleur&format=csv`);
    const text = Buffer.from(await csv.arrayBuffer())
      .subarray(3)
      .toString('utf8');
    const lines = text.trim().split('\r\n');
    expect(lines[0]).toBe(
      'EPCI;SIREN de l’EPCI;Année;Objectif;Périmètre;Nom;Identifiant;Numérateur;Dénominateur;Taux (%);Cible (%);Écart (points);Statut;Q1 inconnu;Q1 en attente de seuil;Mutations internes;Attributions qualifiantes à trouver d’ici fin d’année;Position',
    );
    expect(lines).toContain(
      `Métropole Européenne de Lille;${MEL};2026;QNQ1;EPCI;Métropole Européenne de Lille;${MEL};2;5;40;50;-10;En retard;1;0;0;1;${lastPosition}`,
    );
    expect(lines).toContain(
      `Métropole Européenne de Lille;${MEL};2026;HQ1;Bailleur;Bailleur lmh;lmh;2;4;50;25;25;Atteint;0;0;0;0;${lastPosition}`,
    );
  });

  it('follows a corrected threshold and an amended CIA at once', async () => {
    // 9 000 €/UC: L1 and L7 (9 999.99 €/UC) leave Q1, L11 (9 000) is exactly at the threshold: not Q1.
    track(
      await postJson(`${app.url}/v1/epcis/${MEL}/quartile-thresholds`, {
        year: 2026,
        amountPerUc: 9_000,
        source: 'Arrêté rectificatif',
      }),
    );
    let body = await compliance();
    expect(epciFigure(body, 'HQ1')).toMatchObject({ numerator: 2, denominator: 7 });
    expect(epciFigure(body, 'QNQ1')).toMatchObject({ numerator: 3, denominator: 5, status: 'atteint' });

    // The État (its kind from the referential) has no PRIO target: its obligation is its contingent.
    const etat = await put(`${app.url}/v1/reservataires/etat-59`, { name: 'Préfet du Nord', kind: 'etat' });
    expect(etat.status).toBe(201);
    lastPosition = Math.max(lastPosition, (etat.body as { position?: number }).position ?? 0);
    body = await waitFor(compliance, (b) => scopeFigure(b, 'PRIO', 'reservataire', 'etat-59').target === null);
    expect(scopeFigure(body, 'PRIO', 'reservataire', 'etat-59')).toMatchObject({
      numerator: 1,
      denominator: 2,
      status: 'non_evaluable',
    });
    expect(scopeFigure(body, 'PRIO', 'reservataire', 'action-logement')).toMatchObject({ target: 0.25 });

    track(
      await postJson(`${app.url}/v1/epcis/${MEL}/cia`, {
        adoptedOn: '2026-01-15',
        terms: {
          period: { startYear: 2026, endYear: 2031 },
          objectives: {
            qnq1: { target: 0.67 },
            // The CIA removes Action Logement's target and sets one on the EPCI-wide figure.
            prio: { byReservataire: { 'action-logement': null }, scopeTargets: { epci: 0.3 } },
          },
        },
      }),
    );
    body = await compliance();
    expect(body.cia.adopted).toBe(true);
    expect(epciFigure(body, 'QNQ1')).toMatchObject({ numerator: 3, denominator: 5, target: 0.67, status: 'en_retard' });
    expect(epciFigure(body, 'PRIO')).toMatchObject({ target: 0.3, status: 'en_retard' });
    expect(scopeFigure(body, 'PRIO', 'reservataire', 'action-logement')).toMatchObject({ target: null, status: 'non_evaluable' });
  });

  it('moves the figures on a cancellation and a correction, never on a refused lease', async () => {
    const l1 = FIXTURE_LEASES[0]!;
    const l3 = FIXTURE_LEASES[2]!;
    track(
      await postJson(`${app.url}/v1/leases/${l1.leaseId}/cancellation`, {
        eventId: randomUUID(),
        bailleurId: l1.bailleurId,
        caseId: l1.caseId,
        reason: 'Bail signé par erreur',
      }),
    );
    const { leaseId: _id, ...rest } = l3;
    track(
      await postJson(`${app.url}/v1/leases/${l3.leaseId}/corrections`, {
        eventId: randomUUID(),
        reason: 'Avis d’imposition rectifié',
        lease: leaseRequest({ ...rest, leaseId: l3.leaseId, household: { ...l3.household, yearlyResources: 5_000 } }),
      }),
    );
    const refused = await postJson(`${app.url}/v1/leases`, {
      ...leaseRequest(FIXTURE_LEASES[1]!),
      eventId: randomUUID(),
      caseId: 'C-ARRAS',
      leaseId: 'L-ARRAS',
      flat: { ...FIXTURE_LEASES[1]!.flat, communeInsee: '62041' },
    });
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe('COMMUNE_NOT_IN_EPCI');

    const body = await compliance();
    // Outside QPV: L1 gone; L3 now Q1 (5 000 €/UC < 9 000); L5 relogé RU and L6 (8 000) still count.
    expect(epciFigure(body, 'HQ1')).toMatchObject({ numerator: 3, denominator: 6 });
    expect(body.dataQuality.leases).toBe(11);
  });

  it('counts a 2015-list QPV for a 2023 lease and refuses it for a 2024 lease', async () => {
    const base = { ...leaseRequest(FIXTURE_LEASES[7]!), flat: { ...FIXTURE_LEASES[7]!.flat, qpvCode: 'QP059001' } };
    const in2023 = await postJson(`${app.url}/v1/leases`, {
      ...base,
      eventId: randomUUID(),
      caseId: 'C-2023',
      leaseId: 'L-2023',
      leaseDate: '2023-06-01',
    });
    expect(in2023.status).toBe(201);
    track(in2023);
    const in2024 = await postJson(`${app.url}/v1/leases`, {
      ...base,
      eventId: randomUUID(),
      caseId: 'C-2024',
      leaseId: 'L-2024',
      leaseDate: '2024-06-01',
    });
    expect(in2024.status).toBe(422);
    expect(in2024.body).toMatchObject({ code: 'QPV_NOT_IN_FORCE', details: { validFrom: '2015-01-01', validTo: '2023-12-31' } });

    const body = await waitFor(
      () => getJson(`${app.url}/v1/epcis/${MEL}/compliance?year=2023`),
      (r) => r.body.freshness.position >= lastPosition,
    );
    // No 2023 threshold for the EPCI: the household may yet be found not Q1, so the figure is not said behind.
    expect(epciFigure(body.body, 'QNQ1')).toMatchObject({
      denominator: 1,
      pendingQ1: 1,
      awaitingThreshold: 1,
      status: 'non_evaluable',
    });
  });

  it('names the sectors of the CIA in the export by sector, beside their ids', async () => {
    const amended = await postJson(`${app.url}/v1/epcis/${MEL}/cia/amendments`, {
      amendedOn: '2026-02-10',
      terms: { sectors: [{ id: 'lille', name: 'Lille et couronne', communes: ['59350'], qpvs: [] }] },
    });
    expect(amended.status).toBe(201);
    const lines = await waitFor(
      async () =>
        Buffer.from(
          await (await adminFetch(`${app.url}/v1/epcis/${MEL}/compliance?year=2026&groupBy=secteur&format=csv`)).arrayBuffer(),
        )
          .subarray(3)
          .toString('utf8')
          .trim()
          .split('\r\n'),
      (rows) => rows.some((row) => row.includes(';HQ1;Secteur;') && row.includes(';lille;')),
    );
    expect(lines.find((row) => row.includes(';HQ1;Secteur;') && row.includes(';lille;'))).toContain(
      ';HQ1;Secteur;Lille et couronne;lille;',
    );
  });

  it('answers bad queries with 400 and French messages', async () => {
    const response = await getJson(`${app.url}/v1/epcis/${MEL}/compliance?year=20x6&groupBy=departement&asOf=hier`);
    expect(response.status).toBe(400);
    expect(response.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['asOf', 'groupBy', 'year']);
  });

  /** `path` answers 400 VALIDATION_FAILED with one field error on the query parameter `name`. */
  const expectQueryRefused = async (path: string, name: string, code: string, message: unknown) => {
    const response = await getJson(`${app.url}${path}`);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ path: name, code, message }] });
  };

  it.each([
    ['a lease list filter misspelt', `/v1/epcis/${MEL}/leases?year=2026&filtre=probable_duplicate`, 'filtre', 'filter'],
    ['a filter of the conventions by its field name', '/v1/conventions?year=2026&bailleurId=lhm', 'bailleurId', 'bailleur'],
    ['a compliance grouping in the wrong case', `/v1/epcis/${MEL}/compliance?year=2026&groupby=bailleur`, 'groupby', 'groupBy'],
  ])(
    'refuses a query parameter its address does not take, naming the closest one, never answering unfiltered: %s',
    async (_label, path, name, closest) => {
      await expectQueryRefused(
        path,
        name,
        'QUERY_PARAM_UNKNOWN',
        expect.stringMatching(
          new RegExp(
            `^Paramètre « ${name} » inconnu de cette adresse \\(rien n’a été filtré par lui\\) : vouliez-vous dire « ${closest} » \\? paramètres de cette adresse : `,
          ),
        ),
      );
    },
  );

  it('refuses any query parameter on an address that takes none, and leaves the pages’ addresses to their script', async () => {
    const response = await getJson(`${app.url}/v1/bailleurs?annee=2026`);
    expect(response.status).toBe(400);
    expect(response.body.errors[0]).toMatchObject({
      code: 'QUERY_PARAM_UNKNOWN',
      message:
        'Paramètre « annee » inconnu de cette adresse (rien n’a été filtré par lui) : cette adresse ne prend aucun paramètre : retirez-le.',
    });
    expect((await fetch(`${app.url}/connexion?erreur=lien&annee=2026`)).status).toBe(200);
  });

  it.each([
    ['year of the compliance figures', `/v1/epcis/${MEL}/compliance?year=2026&year=2027`, 'year'],
    ['asOf of the compliance figures', `/v1/epcis/${MEL}/compliance?year=2026&asOf=1&asOf=2`, 'asOf'],
    ['filter of a lease list', `/v1/epcis/${MEL}/leases?year=2026&filter=flagged&filter=flagged`, 'filter'],
    ['format of an export', `/v1/epcis/${MEL}/leases/summary?year=2026&format=csv&format=xlsx`, 'format'],
    ['status of the alerts', '/v1/alerts?status=ouverte&status=resolue', 'status'],
  ])('says a query parameter given twice is given twice, and to give it once: %s', async (_label, path, name) => {
    await expectQueryRefused(
      path,
      name,
      'QUERY_PARAM_REPEATED',
      `Paramètre « ${name} » donné 2 fois dans l’adresse : donnez-le une seule fois (?${name}=… une fois, avec la valeur voulue).`,
    );
  });
});
