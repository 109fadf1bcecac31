import { randomUUID } from 'node:crypto';
import { getJson, postJson, startTestApp, waitFor, type TestApp } from '../support/app.js';

describe('Gestion en flux across 31 December and within a convention’s perimeter, over HTTP', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app.close();
  });
  const post = async (path: string, body: Record<string, unknown>, status = 201) => {
    const response = await postJson(`${app.url}${path}`, { eventId: randomUUID(), ...body });
    expect({ path, status: response.status, code: response.body?.code }).toMatchObject({ status });
    return response;
  };

  it('orients on 2 January a flat released on 30 December, returns it later, and counts each fact in its own year', async () => {
    await post('/v1/conventions', {
      conventionId: 'ALS-YEARS',
      bailleurId: 'years',
      reservataireId: 'action-logement',
      departement: '59',
      period: { startYear: 2024, endYear: 2026 },
      fluxShare: 0.25,
      gestionMode: 'directe',
      signedOn: '2023-12-01',
    });
    const flat = { bailleurId: 'years', rplsId: '5960001' };
    const convention = { reservataireId: 'action-logement', conventionId: 'ALS-YEARS' };
    await post('/v1/flux/releases', { ...flat, departement: '59', releasedOn: '2024-12-30', inNetBase: true });
    await post('/v1/flux/orientations', { ...flat, ...convention, orientedOn: '2025-01-02' });
    await post('/v1/flux/returns', { ...flat, ...convention, returnedOn: '2025-01-20', reason: 'aucun candidat dans le délai' });
    // A return before its orientation is refused.
    await post('/v1/flux/releases', { ...flat, rplsId: '5960002', departement: '59', releasedOn: '2025-12-31', inNetBase: true });
    await post('/v1/flux/orientations', { ...flat, rplsId: '5960002', ...convention, orientedOn: '2025-12-30' }, 422);

    const of = (year: number) => getJson(`${app.url}/v1/conventions/years/action-logement/ALS-YEARS/flux?year=${year}`);
    const y2025 = await waitFor(
      () => of(2025),
      // Every fact projected: the 2024 flat's orientation and return, and the flat released on 31 December 2025.
      (r) => r.status === 200 && r.body.returned === 1 && r.body.netBase === 1,
    );
    expect(y2025.body).toMatchObject({ netBase: 1, oriented: 1, returned: 1 });
    expect((await of(2024)).body).toMatchObject({ netBase: 1, oriented: 0, returned: 0 });
    const bilan2024 = await getJson(`${app.url}/v1/bailleurs/years/bilans/2024`);
    expect(bilan2024.body.contingent).toMatchObject([{ departement: '59', netBase: 1 }]);
  });

  it('computes a commune’s reservation on its own commune, and refuses to orient a flat outside it', async () => {
    await post('/v1/conventions', {
      conventionId: 'LILLE-10',
      bailleurId: 'perim',
      reservataireId: 'ville-de-lille',
      departement: '59',
      perimeter: { communes: ['59350'] },
      period: { startYear: 2026, endYear: 2028 },
      fluxShare: 0.1,
      gestionMode: 'directe',
      signedOn: '2025-12-01',
    });
    // A commune of another département is refused with the field named.
    const wrong = await post(
      '/v1/conventions',
      {
        conventionId: 'LILLE-X',
        bailleurId: 'perim',
        reservataireId: 'ville-de-lille',
        departement: '59',
        perimeter: { communes: ['62041'] },
        period: { startYear: 2026, endYear: 2028 },
        fluxShare: 0.1,
        gestionMode: 'directe',
        signedOn: '2025-12-01',
      },
      422,
    );
    expect(wrong.body.code).toBe('CONVENTION_TERMS_INVALID');
    const release = (rplsId: string, communeInsee: string) =>
      post('/v1/flux/releases', {
        bailleurId: 'perim',
        rplsId,
        departement: '59',
        communeInsee,
        epciSiren: '200093201',
        releasedOn: '2026-03-01',
        inNetBase: true,
      });
    for (let n = 0; n < 3; n += 1) await release(`5935${n}`, '59350');
    for (let n = 0; n < 5; n += 1) await release(`5900${n}`, '59009');
    const mismatch = await post(
      '/v1/flux/releases',
      { bailleurId: 'perim', rplsId: 'X1', departement: '62', communeInsee: '59350', releasedOn: '2026-03-01', inNetBase: true },
      400,
    );
    expect(mismatch.body.errors[0].path).toBe('communeInsee');
    const convention = { reservataireId: 'ville-de-lille', conventionId: 'LILLE-10' };
    await post('/v1/flux/orientations', { bailleurId: 'perim', rplsId: '59350', ...convention, orientedOn: '2026-03-02' });
    const outside = await post(
      '/v1/flux/orientations',
      { bailleurId: 'perim', rplsId: '59000', ...convention, orientedOn: '2026-03-02' },
      422,
    );
    expect(outside.body.code).toBe('FLAT_OUTSIDE_PERIMETER');
    const figures = await waitFor(
      () => getJson(`${app.url}/v1/conventions/perim/ville-de-lille/LILLE-10/flux?year=2026`),
      (r) => r.status === 200 && r.body.oriented === 1,
    );
    expect(figures.body).toMatchObject({
      perimeter: { departement: '59', communes: ['59350'] },
      netBase: 3,
      oriented: 1,
    });
    // 10 % of its 3 flats, not of the département's 8.
    expect(figures.body.target).toBeCloseTo(0.3, 10);
  });

  it('records a stock conversion and a-posteriori validations on the convention, each counted where the convention says', async () => {
    await post('/v1/conventions', {
      conventionId: 'ALS-VALID',
      bailleurId: 'valid',
      reservataireId: 'action-logement',
      departement: '59',
      period: { startYear: 2026, endYear: 2028 },
      annualVolume: 320,
      gestionMode: 'directe',
      countingOptions: { aPosterioriValidation: true },
      signedOn: '2025-12-01',
    });
    const path = '/v1/conventions/valid/action-logement/ALS-VALID';
    const conversion = {
      stock: 20_000,
      turnoverRates: [0.09, 0.1, 0.11],
      exclusions: { mutationsInternes: 300, ventesHlm: 100 },
      method: 'global',
      rights: 1_000,
      meanRemainingYears: 15,
      spreadOverYears: 3,
      firstYear: 2026,
    };
    await post(`${path}/stock-conversions`, { adoptedOn: '2025-12-15', conversion });
    const again = await post(`${path}/stock-conversions`, { adoptedOn: '2025-12-16', conversion }, 409);
    expect(again.body.code).toBe('STOCK_CONVERSION_ALREADY_RECORDED');
    const convention = await getJson(`${app.url}${path}`);
    // Seed 003, global method: 1 000 × 15 × 10 % = 1 500 rehousings owed, 500 a year.
    expect(convention.body.stockConversions).toMatchObject([
      {
        owed: 1_500,
        yearly: [
          { year: 2026, rehousings: 500 },
          { year: 2027, rehousings: 500 },
          { year: 2028, rehousings: 500 },
        ],
      },
    ]);

    const validation = { rplsId: '5977001', communeInsee: '59350', epciSiren: '200093201', validatedOn: '2026-04-02' };
    await post(`${path}/validations`, { leaseId: 'BV-1', ...validation });
    await post(`${path}/validations`, { leaseId: 'BV-2', ...validation });
    expect((await post(`${path}/validations`, { leaseId: 'BV-1', ...validation }, 409)).body.code).toBe(
      'VALIDATION_ALREADY_RECORDED',
    );
    const figures = await waitFor(
      () => getJson(`${app.url}${path}/flux?year=2026`),
      (r) => r.status === 200 && r.body.counted.aPosterioriValidation === 2,
    );
    expect(figures.body.counted).toMatchObject({ bailSigne: 0, aPosterioriValidation: 2, total: 2 });
    const ledger = await getJson(`${app.url}/v1/reservataires/action-logement/ledger?year=2026&bailleur=valid`);
    expect(ledger.body.rows.map((row: { rule: string; conventionId: string }) => [row.rule, row.conventionId])).toEqual([
      ['validation_a_posteriori', 'ALS-VALID'],
      ['validation_a_posteriori', 'ALS-VALID'],
    ]);
    expect(ledger.body.total).toBe(figures.body.counted.total);
  });
});
