import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { TerritorialReferential } from '@vigie/referential';
import { getJson, postJson, putJson, startTestApp, type TestApp, waitFor } from '../support/app.js';

/**
 * The dated territorial referential, over HTTP: shared/cases/plm-arrondissement-lease.json and
 * shared/cases/commune-changes-epci.sh, and a QPV that must lie in the flat's commune.
 */
describe('A dated territorial referential', () => {
  let app: TestApp;
  let seq = 0;

  beforeAll(async () => {
    app = await startTestApp();
    for (const id of ['paris-habitat', 'grand-lyon-habitat', '13-habitat', 'partenord']) {
      await putJson(`${app.url}/v1/bailleurs/${id}`, { name: id, siren: null });
    }
  });

  afterAll(async () => {
    await app.close();
  });

  function lease(bailleurId: string, leaseDate: string, flat: Record<string, unknown>) {
    seq += 1;
    return {
      eventId: randomUUID(),
      leaseId: `B-${seq}`,
      caseId: `D-${seq}`,
      bailleurId,
      leaseDate,
      flat: { rplsId: `R${seq}`, qpvCode: null, typology: 'T3', financing: 'PLUS', ...flat },
      household: {
        numeroUnique: `0751227000000${String(seq).padStart(5, '0')}`,
        composition: { personsAged14OrMore: 1, childrenUnder14: 0 },
        yearlyResources: 12_000,
      },
      flags: { dalo: false },
      reservataireId: null,
      gestionMode: 'directe',
    };
  }

  describe('plm-arrondissement-lease: a flat located by its municipal arrondissement', () => {
    it('accepts the case as written (75115 in the Métropole du Grand Paris): 201, the lease keeps its arrondissement', async () => {
      // ../shared/cases/plm-arrondissement-lease.json as written: no event id (one is derived from its content).
      const body = JSON.parse(readFileSync(new URL('../fixtures/cases/plm-arrondissement-lease.json', import.meta.url), 'utf8'));
      const response = await postJson(`${app.url}/v1/leases`, body);
      expect(response.body).toMatchObject({ alreadyRecorded: false });
      expect(response.status).toBe(201);
      const event = await getJson(`${app.url}/v1/events/${response.body.eventId}`);
      expect(event.body.data.flat.communeInsee).toBe('75115');
      expect((await postJson(`${app.url}/v1/leases`, body)).status).toBe(200);
    });

    it.each([
      ['grand-lyon-habitat', '69381', '200046977'],
      ['13-habitat', '13201', '200054807'],
      ['paris-habitat', '75101', '200054781'],
      ['paris-habitat', '75120', '200054781'],
    ])('accepts a lease of %s in arrondissement %s for EPCI %s', async (bailleur, commune, epci) => {
      const response = await postJson(
        `${app.url}/v1/leases`,
        lease(bailleur, '2026-03-02', { communeInsee: commune, epciSiren: epci }),
      );
      expect(response.status).toBe(201);
    });

    it('still refuses an arrondissement for another EPCI', async () => {
      const response = await postJson(
        `${app.url}/v1/leases`,
        lease('paris-habitat', '2026-03-02', { communeInsee: '69381', epciSiren: '200054781' }),
      );
      expect(response.status).toBe(422);
      expect(response.body).toMatchObject({ code: 'COMMUNE_NOT_IN_EPCI', details: { communeEpciSiren: '200046977' } });
    });
  });

  describe('commune-changes-epci: Ghyvelde (59260) leaves the CU de Dunkerque for the CC des Hauts de Flandre on 1 January 2026', () => {
    const CUD = '245900428';
    const HF = '200040954';
    const official = new TerritorialReferential();

    beforeAll(async () => {
      // As in the case: {"communes": [...]} with the official members, 59260 moved; no date given.
      const cud = official.epci(CUD)!.communes.filter((c) => c !== '59260');
      const hf = [...official.epci(HF)!.communes, '59260'];
      expect((await putJson(`${app.url}/v1/epcis/${CUD}`, { communes: cud })).status).toBe(201);
      expect((await putJson(`${app.url}/v1/epcis/${HF}`, { communes: hf })).status).toBe(201);
      // The EPCI a refused commune belonged to (a detail of the refusal) is looked up in the referential read model.
      await waitFor(
        async () => (await app.db.pool.query(`SELECT id FROM referential_entries WHERE kind = 'epci'`)).rowCount,
        (count) => count === 2,
      );
    });

    it('refuses a February 2026 lease for the EPCI it left, and a December 2025 lease for the EPCI it had not joined', async () => {
      const left = await postJson(
        `${app.url}/v1/leases`,
        lease('partenord', '2026-02-16', { communeInsee: '59260', epciSiren: CUD }),
      );
      expect(left.status).toBe(422);
      expect(left.body).toMatchObject({ code: 'COMMUNE_NOT_IN_EPCI', details: { communeEpciSiren: HF, date: '2026-02-16' } });
      const notYet = await postJson(
        `${app.url}/v1/leases`,
        lease('partenord', '2025-12-16', { communeInsee: '59260', epciSiren: HF }),
      );
      expect(notYet.status).toBe(422);
      expect(notYet.body).toMatchObject({ code: 'COMMUNE_NOT_IN_EPCI', details: { communeEpciSiren: CUD, date: '2025-12-16' } });
    });

    it('accepts each lease for the EPCI of its date, and counts it once, there', async () => {
      const after = await postJson(
        `${app.url}/v1/leases`,
        lease('partenord', '2026-02-16', { communeInsee: '59260', epciSiren: HF }),
      );
      const before = await postJson(
        `${app.url}/v1/leases`,
        lease('partenord', '2025-12-16', { communeInsee: '59260', epciSiren: CUD }),
      );
      expect([after.status, before.status]).toEqual([201, 201]);
      const total = async (epci: string, year: number) =>
        (await getJson(`${app.url}/v1/epcis/${epci}/leases/summary?year=${year}`)).body.total as number;
      await waitFor(
        async () => [await total(HF, 2026), await total(CUD, 2025), await total(CUD, 2026), await total(HF, 2025)],
        (totals) => totals[0] === 1 && totals[1] === 1,
      );
      expect([await total(CUD, 2026), await total(HF, 2025)]).toEqual([0, 0]);
    });

    it('keeps the other communes of the CU de Dunkerque in it in 2026', async () => {
      const dunkerque = await postJson(
        `${app.url}/v1/leases`,
        lease('partenord', '2026-02-16', { communeInsee: '59183', epciSiren: CUD }),
      );
      expect(dunkerque.status).toBe(201);
    });
  });

  describe('a QPV lies in the flat’s commune', () => {
    it('refuses a QPV registered for Lille (59350) on a flat in Roubaix (59512)', async () => {
      expect(
        (await putJson(`${app.url}/v1/qpvs/QN05901M`, { name: 'Lille Sud', list: '2024', communes: ['59350'] })).status,
      ).toBe(201);
      const roubaix = await postJson(
        `${app.url}/v1/leases`,
        lease('partenord', '2026-03-02', { communeInsee: '59512', epciSiren: '200093201', qpvCode: 'QN05901M' }),
      );
      expect(roubaix.status).toBe(422);
      expect(roubaix.body.code).toBe('QPV_NOT_IN_COMMUNE');
      const lille = await postJson(
        `${app.url}/v1/leases`,
        lease('partenord', '2026-03-02', { communeInsee: '59350', epciSiren: '200093201', qpvCode: 'QN05901M' }),
      );
      expect(lille.status).toBe(201);
    });

    it('gives an overseas QPV of the 2024 list its territory’s period (from 2025-01-01)', async () => {
      const response = await putJson(`${app.url}/v1/qpvs/QN97401M`, { name: 'Le Chaudron', list: '2024', communes: ['97411'] });
      expect(response.body.entry).toMatchObject({ validFrom: '2025-01-01', validTo: null });
    });
  });

  describe('one EPCI per commune on a given day, real dates only', () => {
    it('refuses a composition that puts in an EPCI a commune another EPCI holds then, saying how to move it', async () => {
      const official = new TerritorialReferential();
      const lille = official.epci('200093201')!.communes;
      expect(lille).toContain('59009');
      const other = official.epci('200030633')!.communes;
      const refused = await putJson(`${app.url}/v1/epcis/200030633`, { communes: [...other, '59009'], validFrom: '2026-01-01' });
      expect(refused.status).toBe(409);
      expect(refused.body).toMatchObject({
        code: 'COMMUNE_IN_ANOTHER_EPCI',
        details: { commune: '59009', otherEpciSiren: '200093201', on: '2026-01-01' },
      });
      expect(refused.body.detail).toMatch(/sans cette commune/);
      // Lille's composition without 59009 from 2027 first, then 200030633's with it from 2027: both accepted.
      const leaves = await putJson(`${app.url}/v1/epcis/200093201`, {
        communes: lille.filter((c) => c !== '59009'),
        validFrom: '2027-01-01',
      });
      expect(leaves.status).toBe(201);
      const joins = await putJson(`${app.url}/v1/epcis/200030633`, { communes: [...other, '59009'], validFrom: '2027-01-01' });
      expect(joins.status).toBe(201);
      // Before 2027 it is still Lille's: 200030633 cannot take it from 2026-06-01.
      const early = await putJson(`${app.url}/v1/epcis/200030633`, { communes: [...other, '59009'], validFrom: '2026-06-01' });
      expect(early.body).toMatchObject({ code: 'COMMUNE_IN_ANOTHER_EPCI', details: { on: '2026-06-01' } });
    });

    it.each([
      ['/v1/epcis/200093201', { validFrom: '2027-13-01' }],
      ['/v1/epcis/200093201', { validFrom: '2029-02-30' }],
      ['/v1/epcis/200093201', { validFrom: '0000-01-01' }],
      ['/v1/qpvs/QN05999M', { name: 'X', list: '2024', communes: ['59350'], validFrom: '2024-13-45' }],
    ])('PUT %s with %j: 400 naming the date field', async (path, body) => {
      const response = await putJson(`${app.url}${path}`, body);
      expect(response.status).toBe(400);
      expect(response.body.errors).toEqual([
        expect.objectContaining({
          path: 'validFrom',
          message: expect.stringMatching(/Date inexistante|Année hors de la plage/),
        }),
      ]);
    });

    it('refuses a CIA adopted on 31 February', async () => {
      const response = await postJson(`${app.url}/v1/epcis/200093201/cia`, { adoptedOn: '2026-02-31', terms: {} });
      expect(response.status).toBe(400);
      expect(response.body.errors[0]).toMatchObject({ path: 'adoptedOn', message: expect.stringMatching(/^Date inexistante/) });
    });
  });
});
