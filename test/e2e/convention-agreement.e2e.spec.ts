import { randomUUID } from 'node:crypto';
import { createKey, getJson, postJson, startTestApp, type TestApp, waitFor } from '../support/app.js';

describe('Reservation conventions are agreed jointly by the bailleur and the réservataire', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app.close();
  });

  let last = 0;
  const lastPosition = () => last;
  const track = <T extends { body?: { position?: number } }>(response: T): T => {
    last = Math.max(last, response.body?.position ?? 0);
    return response;
  };

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
    let read = await getJson(`${app.url}/v1/conventions/lmh/action-logement/ALS-LMH-59-J`, als.auth);
    expect(read.body.agreement).toEqual({
      agreedBy: ['bailleur'],
      complete: false,
      pending: [{ revisionFromYear: null, missing: ['reservataire'] }],
    });
    const flux = await getJson(`${app.url}/v1/conventions/lmh/action-logement/ALS-LMH-59-J/flux?year=2026`, lmh.auth);
    expect(flux.body.agreement).toMatchObject({ complete: false });

    const agreed = await postJson(
      `${app.url}/v1/conventions/lmh/action-logement/ALS-LMH-59-J/agreements`,
      { agreedOn: '2024-12-10' },
      als.auth,
    );
    expect(agreed.status).toBe(201);
    const event = await getJson(`${app.url}/v1/events/${agreed.body.eventId}`, als.auth);
    expect(event.body).toMatchObject({
      type: 'ConventionAgreed',
      data: { party: 'reservataire', revisionFromYear: null },
      metadata: { actor: `reservataire:action-logement:${als.id}` },
    });
    const again = await postJson(
      `${app.url}/v1/conventions/lmh/action-logement/ALS-LMH-59-J/agreements`,
      { agreedOn: '2024-12-11' },
      als.auth,
    );
    expect(again).toMatchObject({ status: 409, body: { code: 'CONVENTION_ALREADY_AGREED' } });
    read = await getJson(`${app.url}/v1/conventions/lmh/action-logement/ALS-LMH-59-J`, lmh.auth);
    expect(read.body.agreement).toMatchObject({ complete: true, pending: [] });

    // The réservataire proposes 30 % from 2027: nothing changes until the bailleur agrees.
    const revision = await postJson(
      `${app.url}/v1/conventions/lmh/action-logement/ALS-LMH-59-J/revisions`,
      { fromYear: 2027, fluxShare: 0.3, reason: 'clause de revoyure' },
      als.auth,
    );
    expect(revision.status).toBe(201);
    read = await getJson(`${app.url}/v1/conventions/lmh/action-logement/ALS-LMH-59-J`, lmh.auth);
    expect(read.body.inForce.find((y: { year: number }) => y.year === 2027)).toMatchObject({ fluxShare: 0.25 });
    expect(read.body.agreement.pending).toEqual([{ revisionFromYear: 2027, missing: ['bailleur'] }]);
    expect(
      (
        await postJson(
          `${app.url}/v1/conventions/lmh/action-logement/ALS-LMH-59-J/agreements`,
          { agreedOn: '2026-11-20', revisionFromYear: 2026 },
          lmh.auth,
        )
      ).body.code,
    ).toBe('CONVENTION_REVISION_NOT_FOUND');
    expect(
      (
        await postJson(
          `${app.url}/v1/conventions/lmh/action-logement/ALS-LMH-59-J/agreements`,
          { agreedOn: '2026-11-20', revisionFromYear: 2027 },
          lmh.auth,
        )
      ).status,
    ).toBe(201);
    read = await getJson(`${app.url}/v1/conventions/lmh/action-logement/ALS-LMH-59-J`, lmh.auth);
    expect(read.body.inForce.map((y: { year: number; fluxShare: number }) => [y.year, y.fluxShare])).toEqual([
      [2025, 0.25],
      [2026, 0.25],
      [2027, 0.3],
      [2028, 0.3],
    ]);

    // Two households housed on its flux: the parties see them, the État's services of the département see them masked.
    for (const n of [1, 2]) {
      const lease = await postJson(
        `${app.url}/v1/leases`,
        {
          eventId: randomUUID(),
          leaseId: `L-J-${n}`,
          caseId: `C-J-${n}`,
          bailleurId: 'lmh',
          leaseDate: '2026-05-05',
          flat: {
            rplsId: `59J${n}`,
            communeInsee: '59350',
            epciSiren: '200093201',
            qpvCode: null,
            typology: 'T3',
            financing: 'PLUS',
          },
          household: {
            numeroUnique: `nud-j-${n}`,
            composition: { personsAged14OrMore: 1, childrenUnder14: 0 },
            yearlyResources: 12_000,
          },
          reservataireId: 'action-logement',
          gestionMode: 'directe',
        },
        lmh.auth,
      );
      expect(track(lease).status).toBe(201);
    }
    const etat = await createKey(app.url, 'etat', '59');
    const seen = async (key: { auth: Record<string, string> }) =>
      waitFor(
        () => getJson(`${app.url}/v1/conventions/lmh/action-logement/ALS-LMH-59-J/flux?year=2026`, key.auth),
        (r) => r.status !== 200 || r.body.freshness.position >= lastPosition(),
      );
    const alsView = await seen(als);
    expect({ status: alsView.status, counted: alsView.body.counted }).toMatchObject({
      status: 200,
      counted: { bailSigne: 2, total: 2 },
    });
    const shared = (await seen(etat)).body;
    expect(shared.counted).toMatchObject({ bailSigne: null, total: null });
    expect(shared).toMatchObject({ realisedShare: null, statisticalSecrecy: { threshold: 5 } });
    expect(
      (
        await getJson(
          `${app.url}/v1/conventions/lmh/action-logement/ALS-LMH-59-J/flux?year=2026`,
          (await createKey(app.url, 'etat', '62')).auth,
        )
      ).status,
    ).toBe(404);

    // An admin records an agreement for a party it names; without one, 400 in French.
    const admin = await postJson(`${app.url}/v1/conventions/lmh/action-logement/ALS-LMH-59-J/agreements`, {
      agreedOn: '2026-11-20',
    });
    expect(admin).toMatchObject({ status: 400, body: { errors: [{ path: 'party', code: 'REQUIRED' }] } });
  });
});
