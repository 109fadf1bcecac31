import { randomUUID } from 'node:crypto';
import { createKey, getJson, postJson, putJson, registerOrganisations, startTestApp, type TestApp } from '../support/app.js';

/**
 * Known organisations only: a fact naming a bailleur, réservataire, EPCI or QPV Vigie does not know
 * is refused (422, a stable code, how to register it, the closest registered ids), and nothing is
 * recorded; a key acts for a registered organisation only.
 */
describe('Known organisations only', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({}, { organisations: false });
    await registerOrganisations(app.url, {
      bailleurs: ['lille-metropole-habitat'],
      reservataires: [
        ['action-logement', 'action_logement'],
        ['etat-59', 'etat'],
      ],
    });
  });

  afterAll(async () => {
    await app.close();
  });

  async function eventCount(): Promise<number> {
    const { rows } = await app.db.pool.query<{ count: string }>('SELECT count(*) FROM events');
    return Number(rows[0]!.count);
  }

  const lease = (overrides: Record<string, unknown> = {}, flat: Record<string, unknown> = {}) => ({
    eventId: randomUUID(),
    leaseId: `B-${randomUUID().slice(0, 8)}`,
    caseId: `D-${randomUUID().slice(0, 8)}`,
    bailleurId: 'lille-metropole-habitat',
    leaseDate: '2026-03-02',
    flat: {
      rplsId: '5935000001',
      communeInsee: '59350',
      epciSiren: '200093201',
      qpvCode: null,
      typology: 'T3',
      financing: 'PLUS',
      ...flat,
    },
    household: {
      numeroUnique: '0591227000123',
      composition: { personsAged14OrMore: 1, childrenUnder14: 0 },
      yearlyResources: 9_800,
    },
    flags: { dalo: true },
    reservataireId: 'action-logement',
    gestionMode: 'directe',
    ...overrides,
  });

  it('refuses a lease for a misspelt réservataire, suggesting the registered one, and records nothing', async () => {
    const before = await eventCount();
    const response = await postJson(`${app.url}/v1/leases`, lease({ reservataireId: 'action-logment' }));
    expect(response.status).toBe(422);
    expect(response.contentType).toContain('application/problem+json');
    expect(response.body).toMatchObject({
      code: 'RESERVATAIRE_NOT_REGISTERED',
      details: {
        reservataireId: 'action-logment',
        closest: ['action-logement'],
        register: 'PUT /v1/reservataires/action-logment',
      },
    });
    expect(response.body.title).toMatch(/n’est pas enregistré.*PUT \/v1\/reservataires/);
    expect(await eventCount()).toBe(before);
  });

  it('refuses a lease and a CAL decision for an unregistered bailleur', async () => {
    const response = await postJson(`${app.url}/v1/leases`, lease({ bailleurId: 'lmh' }));
    expect(response.status).toBe(422);
    expect(response.body).toMatchObject({
      code: 'BAILLEUR_NOT_REGISTERED',
      details: { bailleurId: 'lmh', register: 'PUT /v1/bailleurs/lmh' },
    });
    const cal = await postJson(`${app.url}/v1/cal-decisions`, {
      eventId: randomUUID(),
      caseId: 'D-CAL-1',
      bailleurId: 'lille-metropole-habitt',
      calDate: '2026-03-01',
      flat: {
        rplsId: '5935000002',
        communeInsee: '59350',
        epciSiren: '200093201',
        qpvCode: null,
        typology: 'T2',
        financing: 'PLAI',
      },
      candidates: [{ rank: 1, numeroUnique: '0591226000456', decision: 'attribution' }],
      reservataireId: null,
    });
    expect(cal.status).toBe(422);
    expect(cal.body).toMatchObject({ code: 'BAILLEUR_NOT_REGISTERED', details: { closest: ['lille-metropole-habitat'] } });
  });

  it('refuses an EPCI SIREN neither registered nor official, suggesting the closest', async () => {
    const response = await postJson(`${app.url}/v1/leases`, lease({}, { epciSiren: '200093202' }));
    expect(response.status).toBe(422);
    expect(response.body).toMatchObject({ code: 'EPCI_NOT_REGISTERED', details: { epciSiren: '200093202' } });
    expect(response.body.details.closest).toContain('200093201');
  });

  it('refuses an unregistered QPV, suggesting the registered codes close to it', async () => {
    await putJson(`${app.url}/v1/qpvs/QN05901M`, { name: 'Lille Sud', list: '2024', communes: ['59350'] });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const response = await postJson(`${app.url}/v1/leases`, lease({}, { qpvCode: 'QN05910M' }));
    expect(response.status).toBe(422);
    expect(response.body).toMatchObject({
      code: 'QPV_UNKNOWN',
      details: { qpvCode: 'QN05910M', register: 'PUT /v1/qpvs/QN05910M' },
    });
  });

  it('accepts the same lease once the réservataire is registered', async () => {
    const response = await postJson(`${app.url}/v1/leases`, lease());
    expect(response.status).toBe(201);
  });

  it('registers a bailleur with a SIREN only when its check digit is right, and says so in French', async () => {
    const refused = await putJson(`${app.url}/v1/bailleurs/bailleur-luhn`, { name: 'Bailleur Luhn', siren: '123456789' });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({
      code: 'VALIDATION_FAILED',
      errors: [{ path: 'siren', message: expect.stringContaining('clé de contrôle (Luhn) fausse') }],
    });
    expect((await getJson(`${app.url}/v1/bailleurs/bailleur-luhn`)).status).toBe(404);
    const registered = await putJson(`${app.url}/v1/bailleurs/bailleur-luhn`, { name: 'Bailleur Luhn', siren: '200093201' });
    expect([200, 201]).toContain(registered.status);
  });

  it('creates keys for registered organisations only', async () => {
    const refused = await postJson(`${app.url}/v1/admin/api-keys`, { role: 'bailleur', tenant: 'lmh', label: 'SI LMH' });
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ code: 'BAILLEUR_NOT_REGISTERED', details: { register: 'PUT /v1/bailleurs/lmh' } });
    const reservataire = await postJson(`${app.url}/v1/admin/api-keys`, {
      role: 'reservataire',
      tenant: 'action-logment',
      label: 'x',
    });
    expect(reservataire.body).toMatchObject({ code: 'RESERVATAIRE_NOT_REGISTERED', details: { closest: ['action-logement'] } });
    const etat = await postJson(`${app.url}/v1/admin/api-keys`, { role: 'etat', tenant: '96', label: 'DDETS 96' });
    expect(etat.body).toMatchObject({ code: 'DEPARTEMENT_UNKNOWN' });
    const epciTypo = await postJson(`${app.url}/v1/admin/api-keys`, { role: 'epci', tenant: '200093202', label: 'x' });
    expect(epciTypo.body).toMatchObject({ code: 'EPCI_NOT_REGISTERED' });
    expect(epciTypo.body.details.closest).toContain('200093201');
    const epci = await postJson(`${app.url}/v1/admin/api-keys`, { role: 'epci', tenant: '200093201', label: 'MEL' });
    expect(epci.status).toBe(201);
    const bailleur = await postJson(`${app.url}/v1/admin/api-keys`, {
      role: 'bailleur',
      tenant: 'lille-metropole-habitat',
      label: 'SI LMH',
    });
    expect(bailleur.status).toBe(201);
    const me = await getJson(`${app.url}/v1/me`, { authorization: `Bearer ${bailleur.body.key}` });
    expect(me.body).toMatchObject({ role: 'bailleur', tenant: 'lille-metropole-habitat' });
  });

  it('refuses a convention with an unregistered réservataire', async () => {
    const response = await postJson(`${app.url}/v1/conventions`, {
      conventionId: 'C-1',
      bailleurId: 'lille-metropole-habitat',
      reservataireId: 'action-logment',
      departement: '59',
      period: { startYear: 2025, endYear: 2028 },
      fluxShare: 0.25,
      gestionMode: 'directe',
      signedOn: '2024-12-02',
    });
    expect(response.status).toBe(422);
    expect(response.body.code).toBe('RESERVATAIRE_NOT_REGISTERED');
  });

  it('refuses a CIA or a threshold for an EPCI neither registered nor official', async () => {
    const cia = await postJson(`${app.url}/v1/epcis/200093202/cia`, {
      adoptedOn: '2026-01-15',
      terms: { period: { startYear: 2026, endYear: 2031 } },
    });
    expect(cia.status).toBe(422);
    expect(cia.body.code).toBe('EPCI_NOT_REGISTERED');
    const threshold = await postJson(`${app.url}/v1/epcis/200093202/quartile-thresholds`, {
      year: 2026,
      amountPerUc: 10_000,
      source: 'Arrêté',
    });
    expect(threshold.body.code).toBe('EPCI_NOT_REGISTERED');
  });

  describe('reads of an organisation Vigie does not know: 404 naming it, not empty figures', () => {
    it.each([
      [
        'EPCI compliance',
        '/v1/epcis/200093202/compliance?year=2026',
        'EPCI_NOT_FOUND',
        /^SIREN « 200093202 » inconnu\. Proches : .*« 200093201 ».*BANATIC/,
      ],
      ['EPCI compliance as CSV', '/v1/epcis/200093202/compliance?year=2026&format=csv', 'EPCI_NOT_FOUND', /^SIREN « 200093202 »/],
      ['EPCI forecast', '/v1/epcis/200093202/compliance/forecast?year=2026', 'EPCI_NOT_FOUND', /^SIREN « 200093202 »/],
      ['EPCI lease list', '/v1/epcis/200093202/leases?year=2026', 'EPCI_NOT_FOUND', /^SIREN « 200093202 »/],
      ['EPCI lease summary', '/v1/epcis/200093202/leases/summary?year=2026', 'EPCI_NOT_FOUND', /^SIREN « 200093202 »/],
      ['EPCI CIA', '/v1/epcis/200093202/cia', 'EPCI_NOT_FOUND', /^SIREN « 200093202 »/],
      ['EPCI names', '/v1/epcis/200093202/names', 'EPCI_NOT_FOUND', /^SIREN « 200093202 »/],
      [
        'bailleur lease list',
        '/v1/bailleurs/lille-metropole-habita/leases?year=2026',
        'BAILLEUR_NOT_FOUND',
        /^Bailleur « lille-metropole-habita » inconnu\. Proches : « lille-metropole-habitat »\. La liste des bailleurs enregistrés : GET \/v1\/bailleurs\.$/,
      ],
      [
        'bailleur bilan',
        '/v1/bailleurs/lille-metropole-habita/bilans/2026',
        'BAILLEUR_NOT_FOUND',
        /^Bailleur « lille-metropole-habita »/,
      ],
      [
        'réservataire ledger',
        '/v1/reservataires/action-logment/ledger?year=2026',
        'RESERVATAIRE_NOT_FOUND',
        /^Réservataire « action-logment » inconnu\. Proches : « action-logement »\. .*GET \/v1\/reservataires\.$/,
      ],
      // 98 and 20 (Corsica before 1976) are no département: not « no EPCI here ».
      [
        'département figures',
        '/v1/departements/98/compliance?year=2026',
        'DEPARTEMENT_NOT_FOUND',
        /^Département « 98 » inconnu du référentiel officiel/,
      ],
      ['département EPCIs', '/v1/departements/20/epcis', 'DEPARTEMENT_NOT_FOUND', /^Département « 20 » inconnu/],
    ])('%s: 404 with a stable code naming the identifier and how to find the right one', async (_label, path, code, detail) => {
      const response = await getJson(`${app.url}${path}`);
      expect(response.status).toBe(404);
      expect(response.body).toMatchObject({ code, detail: expect.stringMatching(detail) });
    });

    it('still reads a known organisation with nothing recorded: 200, empty figures', async () => {
      expect((await getJson(`${app.url}/v1/bailleurs/lille-metropole-habitat/leases?year=2026`)).status).toBe(200);
      expect((await getJson(`${app.url}/v1/reservataires/action-logement/ledger?year=2026`)).status).toBe(200);
      expect((await getJson(`${app.url}/v1/epcis/200093201/leases/summary?year=2026`)).status).toBe(200);
      const corse = await getJson(`${app.url}/v1/departements/2A/epcis`);
      expect(corse.status).toBe(200);
      expect((corse.body as { epcis: unknown[] }).epcis.length).toBeGreaterThan(0);
    });

    it('tells nobody who may not read an organisation whether it exists: the same 404 NOT_FOUND for an unknown one and another’s', async () => {
      // Access first, existence second: the guard's answer to a caller who may not read it, as before.
      const bailleur = await createKey(app.url, 'bailleur', 'lille-metropole-habitat');
      const reservataire = await createKey(app.url, 'reservataire', 'etat-59');
      const epci = await createKey(app.url, 'epci', '200093201');
      const etat = await createKey(app.url, 'etat', '62');
      const pairs: Array<[Record<string, string>, string, string]> = [
        [
          reservataire.auth,
          '/v1/reservataires/action-logement/ledger?year=2026',
          '/v1/reservataires/action-logment/ledger?year=2026',
        ],
        [epci.auth, '/v1/epcis/200041762/compliance?year=2026', '/v1/epcis/200093202/compliance?year=2026'],
        [epci.auth, '/v1/epcis/200041762/leases?year=2026', '/v1/epcis/200093202/leases?year=2026'],
        [etat.auth, '/v1/epcis/200093201/leases/summary?year=2026', '/v1/epcis/200093202/leases/summary?year=2026'],
        [
          bailleur.auth,
          '/v1/bailleurs/action-logement/leases?year=2026',
          '/v1/bailleurs/lille-metropole-habita/leases?year=2026',
        ],
      ];
      for (const [auth, another, unknown] of pairs) {
        const [theirs, nobodys] = await Promise.all([
          getJson(`${app.url}${another}`, auth),
          getJson(`${app.url}${unknown}`, auth),
        ]);
        expect([theirs.status, theirs.body.code]).toEqual([404, 'NOT_FOUND']);
        expect(nobodys.body).toEqual(theirs.body);
      }
    });
  });
});
