import { createKey, getJson, postJson, startTestApp, type TestApp } from '../support/app.js';

describe('Reservation conventions are agreed jointly by the bailleur and the réservataire', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app.close();
  });

  it('binds a convention and its revisions once both parties agreed, each with its own key', async () => {
    const lmh = await createKey(app.url, 'bailleur', 'lmh');
    const als = await createKey(app.url, 'reservataire', 'action-logement');
    const convention = {
      conventionId: 'ALS-LMH-59-J',
      bailleurId: 'lmh',
      reservataireId: 'action-logement',
      departement: '59',
      period: { startYear: 2025, endYear: 2028 },
      fluxShare: 0.25,
      gestionMode: 'directe',
      signedOn: '2024-12-02',
    };
    // A bailleur cannot record the réservataire's agreement.
    const forged = await postJson(
      `${app.url}/v1/conventions`,
      { ...convention, agreedBy: ['bailleur', 'reservataire'] },
      lmh.auth,
    );
    expect(forged).toMatchObject({ status: 403, body: { code: 'AGREEMENT_NOT_YOURS' } });

    expect((await postJson(`${app.url}/v1/conventions`, convention, lmh.auth)).status).toBe(201);
    let read = await getJson(`${app.url}/v1/conventions/ALS-LMH-59-J`, als.auth);
    expect(read.body.agreement).toEqual({
      agreedBy: ['bailleur'],
      complete: false,
      pending: [{ revisionFromYear: null, missing: ['reservataire'] }],
    });
    const flux = await getJson(`${app.url}/v1/conventions/ALS-LMH-59-J/flux?year=2026`, lmh.auth);
    expect(flux.body.agreement).toMatchObject({ complete: false });

    const agreed = await postJson(`${app.url}/v1/conventions/ALS-LMH-59-J/agreements`, { agreedOn: '2024-12-10' }, als.auth);
    expect(agreed.status).toBe(201);
    const event = await getJson(`${app.url}/v1/events/${agreed.body.eventId}`, als.auth);
    expect(event.body).toMatchObject({
      type: 'ConventionAgreed',
      data: { party: 'reservataire', revisionFromYear: null },
      metadata: { actor: `reservataire:action-logement:${als.id}` },
    });
    const again = await postJson(`${app.url}/v1/conventions/ALS-LMH-59-J/agreements`, { agreedOn: '2024-12-11' }, als.auth);
    expect(again).toMatchObject({ status: 409, body: { code: 'CONVENTION_ALREADY_AGREED' } });
    read = await getJson(`${app.url}/v1/conventions/ALS-LMH-59-J`, lmh.auth);
    expect(read.body.agreement).toMatchObject({ complete: true, pending: [] });

    // The réservataire proposes 30 % from 2027: nothing changes until the bailleur agrees.
    const revision = await postJson(
      `${app.url}/v1/conventions/ALS-LMH-59-J/revisions`,
      { fromYear: 2027, fluxShare: 0.3, reason: 'clause de revoyure' },
      als.auth,
    );
    expect(revision.status).toBe(201);
    read = await getJson(`${app.url}/v1/conventions/ALS-LMH-59-J`, lmh.auth);
    expect(read.body.inForce.find((y: { year: number }) => y.year === 2027)).toMatchObject({ fluxShare: 0.25 });
    expect(read.body.agreement.pending).toEqual([{ revisionFromYear: 2027, missing: ['bailleur'] }]);
    expect(
      (
        await postJson(
          `${app.url}/v1/conventions/ALS-LMH-59-J/agreements`,
          { agreedOn: '2026-11-20', revisionFromYear: 2026 },
          lmh.auth,
        )
      ).body.code,
    ).toBe('CONVENTION_REVISION_NOT_FOUND');
    expect(
      (
        await postJson(
          `${app.url}/v1/conventions/ALS-LMH-59-J/agreements`,
          { agreedOn: '2026-11-20', revisionFromYear: 2027 },
          lmh.auth,
        )
      ).status,
    ).toBe(201);
    read = await getJson(`${app.url}/v1/conventions/ALS-LMH-59-J`, lmh.auth);
    expect(read.body.inForce.map((y: { year: number; fluxShare: number }) => [y.year, y.fluxShare])).toEqual([
      [2025, 0.25],
      [2026, 0.25],
      [2027, 0.3],
      [2028, 0.3],
    ]);

    // An admin records an agreement for a party it names; without one, 400 in French.
    const admin = await postJson(`${app.url}/v1/conventions/ALS-LMH-59-J/agreements`, { agreedOn: '2026-11-20' });
    expect(admin).toMatchObject({ status: 400, body: { errors: [{ path: 'party', code: 'REQUIRED' }] } });
  });
});
