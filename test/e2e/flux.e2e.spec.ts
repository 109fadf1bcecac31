import { postJson, startTestApp, type TestApp } from '../support/app.js';

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
        await postJson(`${app.url}/v1/conventions/ALS-LMH-59/revisions`, {
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
    const response = await fetch(`${app.url}/v1/conventions/ALS-LMH-59`);
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
    expect((await fetch(`${app.url}/v1/conventions/NOPE`)).status).toBe(404);
  });
});
