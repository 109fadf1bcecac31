import { randomUUID } from 'node:crypto';
import { adminFetch, getJson, postJson, startTestApp, waitFor, type TestApp } from '../support/app.js';

describe('Stock → flux calculator over HTTP', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app.close();
  });

  it('reproduces the seed’s per-convention example, with every step', async () => {
    const response = await postJson(`${app.url}/v1/stock-conversions`, {
      stock: 20_000,
      turnoverRates: [0.09, 0.1, 0.11],
      exclusions: { mutationsInternes: 300, ventesHlm: 100 },
      method: 'per_convention',
      conventions: [
        { id: 'ALS-1998-12', rights: 600, remainingYears: 6 },
        { id: 'ALS-2005-03', rights: 400, remainingYears: 15 },
      ],
      spreadOverYears: 3,
      firstYear: 2025,
      departements: [
        { code: '59', stock: 12_000 },
        { code: '62', stock: 8_000 },
      ],
    });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      grossBase: 2_000,
      netBase: 1_600,
      owed: 960,
      yearly: [
        { year: 2025, rehousings: 320 },
        { year: 2026, rehousings: 320 },
        { year: 2027, rehousings: 320 },
      ],
      perDepartement: [
        { code: '59', owed: 576 },
        { code: '62', owed: 384 },
      ],
    });
    expect(response.body.steps.length).toBeGreaterThanOrEqual(8);
  });

  it('answers 422 for incoherent data and 400 for malformed data', async () => {
    const incoherent = await postJson(`${app.url}/v1/stock-conversions`, {
      stock: 100,
      turnoverRates: [0.1],
      exclusions: { ventesHlm: 50 },
      method: 'global',
      rights: 10,
      meanRemainingYears: 5,
      spreadOverYears: 3,
      firstYear: 2025,
    });
    expect(incoherent.status).toBe(422);
    expect(incoherent.body.code).toBe('STOCK_CONVERSION_INVALID');
    const malformed = await postJson(`${app.url}/v1/stock-conversions`, { stock: -1, turnoverRates: [], method: 'magique' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.errors.map((e: { path: string }) => e.path)).toEqual(
      expect.arrayContaining(['stock', 'turnoverRates', 'method', 'spreadOverYears']),
    );
  });

  it('records a convention, revises it from a year on, and shows what is in force each year', async () => {
    const signed = await postJson(`${app.url}/v1/conventions`, {
      conventionId: 'ALS-LMH-59',
      bailleurId: 'lmh',
      reservataireId: 'action-logement',
      departement: '59',
      period: { startYear: 2025, endYear: 2027 },
      fluxShare: 0.25,
      gestionMode: 'directe',
      countingOptions: { postCalRefusals: { enabled: true, weight: 0.5 } },
      signedOn: '2024-12-02',
    });
    expect(signed.status).toBe(201);
    expect(
      (
        await postJson(`${app.url}/v1/conventions/lmh/action-logement/ALS-LMH-59/revisions`, {
          fromYear: 2027,
          annualVolume: 90,
          reason: 'clause de revoyure 2026',
        })
      ).status,
    ).toBe(201);
    const again = await postJson(`${app.url}/v1/conventions`, {
      conventionId: 'ALS-LMH-59',
      bailleurId: 'lmh',
      reservataireId: 'action-logement',
      departement: '59',
      period: { startYear: 2025, endYear: 2027 },
      fluxShare: 0.3,
      gestionMode: 'directe',
      signedOn: '2024-12-02',
    });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('CONVENTION_ALREADY_SIGNED');
    const response = await adminFetch(`${app.url}/v1/conventions/lmh/action-logement/ALS-LMH-59`);
    const convention = (await response.json()) as { inForce: unknown[]; countingOptions: unknown };
    expect(convention.inForce).toEqual([
      { year: 2025, fluxShare: 0.25, annualVolume: null },
      { year: 2026, fluxShare: 0.25, annualVolume: null },
      { year: 2027, fluxShare: null, annualVolume: 90 },
    ]);
    expect(convention.countingOptions).toEqual({
      postCalRefusals: { enabled: true, weight: 0.5 },
      interBailleurMobility: false,
      aPosterioriValidation: false,
    });
    expect((await adminFetch(`${app.url}/v1/conventions/lmh/action-logement/NOPE`)).status).toBe(404);
  });

  it('follows the flux of a convention: net base, orientations, returns, leases counted and each option apart', async () => {
    const id = 'ALS-LMH-59-FLUX';
    expect(
      (
        await postJson(`${app.url}/v1/conventions`, {
          conventionId: id,
          bailleurId: 'lmh',
          reservataireId: 'action-logement',
          departement: '59',
          period: { startYear: 2026, endYear: 2028 },
          fluxShare: 0.25,
          gestionMode: 'directe',
          countingOptions: { postCalRefusals: { enabled: true, weight: 0.5 }, interBailleurMobility: true },
          signedOn: '2025-12-01',
        })
      ).status,
    ).toBe(201);
    const post = async (path: string, body: Record<string, unknown>, status = 201) => {
      const response = await postJson(`${app.url}${path}`, { eventId: randomUUID(), ...body });
      expect({ path, status: response.status, code: response.body?.code }).toMatchObject({ status });
      return response;
    };
    for (let n = 0; n < 8; n += 1)
      await post('/v1/flux/releases', {
        bailleurId: 'lmh',
        rplsId: `5901${n}`,
        departement: '59',
        releasedOn: '2026-02-0' + (n + 1),
        inNetBase: true,
      });
    await post('/v1/flux/releases', {
      bailleurId: 'lmh',
      rplsId: '590190',
      departement: '59',
      releasedOn: '2026-03-01',
      inNetBase: false,
      exclusionReason: 'internal_mutation',
    });
    await post(
      '/v1/flux/releases',
      { bailleurId: 'lmh', rplsId: '590191', departement: '59', releasedOn: '2026-03-01', inNetBase: false },
      422,
    );
    for (const n of [0, 1, 2])
      await post('/v1/flux/orientations', {
        bailleurId: 'lmh',
        rplsId: `5901${n}`,
        reservataireId: 'action-logement',
        conventionId: id,
        orientedOn: '2026-03-10',
      });
    await post(
      '/v1/flux/orientations',
      { bailleurId: 'lmh', rplsId: '590190', reservataireId: 'action-logement', conventionId: id, orientedOn: '2026-03-10' },
      422,
    );
    await post('/v1/flux/returns', {
      bailleurId: 'lmh',
      rplsId: '59012',
      reservataireId: 'action-logement',
      conventionId: id,
      returnedOn: '2026-04-20',
      reason: 'aucun candidat dans le délai',
    });

    const flat = {
      rplsId: '5901000',
      communeInsee: '59350',
      epciSiren: '200093201',
      qpvCode: null,
      typology: 'T3',
      financing: 'PLUS',
    };
    const lease = (n: number, flags: Record<string, boolean> = {}) => ({
      leaseId: `BF-${n}`,
      caseId: `DF-${n}`,
      bailleurId: 'lmh',
      leaseDate: '2026-05-05',
      flat,
      household: {
        numeroUnique: `hh-flux-${n}`,
        composition: { personsAged14OrMore: 1, childrenUnder14: 0 },
        yearlyResources: 12_000,
      },
      flags,
      reservataireId: 'action-logement',
      gestionMode: 'directe',
    });
    await post('/v1/leases', lease(1));
    await post('/v1/leases', lease(2, { interBailleurMobility: true }));
    await post('/v1/leases', lease(3, { internalMutation: true }));
    // A CAL oriented to Action Logement whose chosen household then declined: a post-CAL refusal.
    await post('/v1/cal-decisions', {
      caseId: 'DF-REFUS',
      bailleurId: 'lmh',
      calDate: '2026-06-01',
      flat,
      candidates: [{ rank: 1, numeroUnique: 'hh-flux-refus', decision: 'attribution' }],
      reservataireId: 'action-logement',
    });
    await post('/v1/cal-decisions/DF-REFUS/offer-declined', {
      bailleurId: 'lmh',
      numeroUnique: 'hh-flux-refus',
      declinedOn: '2026-06-09',
    });

    const figures = await waitFor(
      () => getJson(`${app.url}/v1/conventions/lmh/action-logement/${id}/flux?year=2026`),
      // Leases come from the compliance projection, refusals from the flux one: wait for both.
      (r) => r.status === 200 && r.body.counted.total === 2.5,
    );
    expect(figures.body).toMatchObject({
      netBase: 8,
      excluded: { internal_mutation: 1 },
      oriented: 3,
      returned: 1,
      counted: { bailSigne: 1, interBailleurMobility: 1, postCalRefusals: 0.5, aPosterioriValidation: 0, total: 2.5 },
      target: 2,
      conventionShare: 0.25,
      realisedShare: 2.5 / 8,
      countedBeyondNetBase: 0,
    });
    // The audit ledger of Action Logement for this bailleur: one row per counted fact, same total as the flux figures.
    const ledger = await getJson(`${app.url}/v1/reservataires/action-logement/ledger?year=2026&bailleur=lmh`);
    expect(ledger.status).toBe(200);
    expect(ledger.body.total).toBe(figures.body.counted.total);
    expect(ledger.body.rows.map((r: { rule: string; weight: number }) => [r.rule, r.weight])).toEqual([
      ['bail_signe', 1],
      ['mobilite_inter_bailleurs', 1],
      ['refus_apres_cal', 0.5],
    ]);
    for (const row of ledger.body.rows) {
      const event = await getJson(`${app.url}/v1/events/${row.eventId}`);
      expect(event.body.globalPosition).toBe(row.globalPosition);
      expect(row.actor).toBe('admin:*:00000000000000ad');
    }
    const ledgerCsv = Buffer.from(
      await (
        await adminFetch(`${app.url}/v1/reservataires/action-logement/ledger?year=2026&bailleur=lmh&format=csv`)
      ).arrayBuffer(),
    );
    expect(ledgerCsv.subarray(3).toString('utf8').split('\r\n')[0]).toBe(
      'Date;Bailleur;Identifiant du bailleur;Convention;RPLS;Commune;Code INSEE de la commune;QPV;Règle de décompte;Poids;Événement;Position;Enregistré le;Auteur',
    );
    const csv = await adminFetch(`${app.url}/v1/conventions/lmh/action-logement/${id}/flux?year=2026&format=csv`);
    const text = Buffer.from(await csv.arrayBuffer())
      .subarray(3)
      .toString('utf8');
    expect(text.split('\r\n')[0]).toBe(
      'Convention;Année;Bailleur;Identifiant du bailleur;Réservataire;Identifiant du réservataire;Assiette nette;Logements orientés;Logements rendus;Baux signés;Mobilité inter-bailleurs;Refus après CAL (pondérés);Validation a posteriori;Total décompté;Objectif;Part de la convention (%);Part réalisée (%);Décomptés au-delà de l’assiette nette;Objectif au prorata',
    );
    expect(text.split('\r\n')[1]).toMatch(
      new RegExp(`^${id};2026;Bailleur lmh;lmh;Réservataire action-logement;action-logement;8;3;1;1;1;0,5;0;2,5;2;25;31,3;0;`),
    );
  });

  it('gives the annual bilan, checks the préfet contingent, and keeps facts recorded after the closure apart', async () => {
    const post = async (path: string, body: Record<string, unknown>, status = 201) => {
      const response = await postJson(`${app.url}${path}`, { eventId: randomUUID(), ...body });
      expect({ path, status: response.status, code: response.body?.code }).toMatchObject({ status });
      return response;
    };
    const put = (path: string, body: unknown) =>
      adminFetch(`${app.url}${path}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await put('/v1/reservataires/etat-59', { name: 'Préfet du Nord', kind: 'etat' })).status).toBe(201);
    await post('/v1/conventions', {
      conventionId: 'ETAT-BIL-59',
      bailleurId: 'bil',
      reservataireId: 'etat-59',
      departement: '59',
      period: { startYear: 2025, endYear: 2027 },
      fluxShare: 0.3,
      gestionMode: 'directe',
      signedOn: '2024-12-01',
    });
    for (let n = 0; n < 10; n += 1)
      await post('/v1/flux/releases', {
        bailleurId: 'bil',
        rplsId: `5903${n}`,
        departement: '59',
        releasedOn: '2025-02-1' + n,
        inNetBase: true,
      });
    for (const n of [0, 1, 2, 3])
      await post('/v1/flux/orientations', {
        bailleurId: 'bil',
        rplsId: `5903${n}`,
        reservataireId: 'etat-59',
        conventionId: 'ETAT-BIL-59',
        orientedOn: '2025-03-01',
      });
    const flat = {
      rplsId: '5903000',
      communeInsee: '59350',
      epciSiren: '200093201',
      qpvCode: null,
      typology: 'T2',
      financing: 'PLAI',
    };
    const lease = (n: number, date: string) => ({
      leaseId: `BB-${n}`,
      caseId: `DB-${n}`,
      bailleurId: 'bil',
      leaseDate: date,
      flat,
      household: {
        numeroUnique: `hh-bilan-${n}`,
        composition: { personsAged14OrMore: 1, childrenUnder14: 0 },
        yearlyResources: 9_000,
      },
      reservataireId: 'etat-59',
      gestionMode: 'directe',
    });
    await post('/v1/leases', lease(1, '2025-05-05'));
    await post('/v1/leases', lease(2, '2025-06-06'));
    await post('/v1/bailleurs/bil/bilans/2026/closure', { closedOn: '2026-11-20' }, 422);
    await post('/v1/bailleurs/bil/bilans/2025/closure', { closedOn: '2026-02-20' });
    await post('/v1/bailleurs/bil/bilans/2025/closure', { closedOn: '2026-02-21' }, 409);
    await post('/v1/leases', lease(3, '2025-12-15'));

    const bilan = await waitFor(
      () => getJson(`${app.url}/v1/bailleurs/bil/bilans/2025`),
      (r) => r.status === 200 && r.body.leases + r.body.lateFacts === 3,
    );
    expect(bilan.body).toMatchObject({
      leases: 2,
      lateFacts: 1,
      closed: true,
      dueDate: '2026-02-28',
      byReservataire: { 'etat-59': 2 },
      byFinancing: { PLAI: 2 },
      // 4 of 10 flats oriented to the État: over the 30 % of the préfet contingent.
      contingent: [{ departement: '59', netBase: 10, orientedToEtat: 4, etatShare: 0.4, withinLimits: false }],
    });
    const etatFlux = await waitFor(
      () => getJson(`${app.url}/v1/conventions/bil/etat-59/ETAT-BIL-59/flux?year=2025`),
      (r) => r.status === 200 && r.body.oriented === 4 && r.body.counted.bailSigne === 3,
    );
    // Both readings of the 30 %: 4 of 10 flats oriented to the État, 3 of 10 leases signed on its flux.
    expect(etatFlux.body.contingent).toMatchObject({
      oriented: { count: 4, share: 0.4, limit: 0.3, withinLimit: false },
      leases: { count: 3, share: 0.3, limit: 0.3, withinLimit: true },
      publicAgents: { count: 0, share: 0, limit: 0.05, withinLimit: true },
      orientedShare: 0.4,
      publicAgentLeases: 0,
      publicAgentShare: 0,
      withinLimits: false,
    });
    const csv = await adminFetch(`${app.url}/v1/bailleurs/bil/bilans/2025?format=csv`);
    const text = Buffer.from(await csv.arrayBuffer())
      .subarray(3)
      .toString('utf8');
    expect(text.split('\r\n')[0]).toBe('Bailleur;Identifiant du bailleur;Année;Regroupement;Valeur;Code;Baux signés');
    expect(text).toMatch(/\r\n[^;\r\n]*;bil;2025;Faits tardifs \(après clôture\);;;1\r\n/);
    // Communes by name beside their INSEE code.
    expect(text).toContain(';bil;2025;Commune;Lille;59350;');
  });

  it('raises BILAN_DUE for a bailleur whose 2025 bilan is not closed after 28 February, and resolves it on closure', async () => {
    const flat = {
      rplsId: '5904000',
      communeInsee: '59350',
      epciSiren: '200093201',
      qpvCode: null,
      typology: 'T4',
      financing: 'PLUS',
    };
    const signed = await postJson(`${app.url}/v1/leases`, {
      eventId: randomUUID(),
      leaseId: 'BD-1',
      caseId: 'DD-1',
      bailleurId: 'retard',
      leaseDate: '2025-09-09',
      flat,
      household: {
        numeroUnique: 'hh-bilan-due',
        composition: { personsAged14OrMore: 1, childrenUnder14: 0 },
        yearlyResources: 9_000,
      },
      reservataireId: null,
      gestionMode: 'directe',
    });
    expect(signed.status).toBe(201);
    const alertId = 'alert:~:2025:BILAN_DUE:BILAN:bailleur:retard';
    const status = async () =>
      (
        (await getJson(`${app.url}/v1/alerts?rule=BILAN_DUE&scope=bailleur:retard`)).body as Array<{
          alertId: string;
          status: string;
        }>
      ).find((a) => a.alertId === alertId)?.status;
    await waitFor(status, (s) => s === 'ouverte', 20_000);
    expect((await postJson(`${app.url}/v1/bailleurs/retard/bilans/2025/closure`, { closedOn: '2026-03-15' })).status).toBe(201);
    await waitFor(status, (s) => s === 'resolue', 20_000);
  });
});
