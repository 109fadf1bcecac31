import { randomUUID } from 'node:crypto';
import { createKey, getJson, postJson, startTestApp, type TestApp, waitFor } from '../support/app.js';

/**
 * shared/cases/new-year-paris-lease.sh: the API's clock at 2026-12-31T23:30:00Z, i.e. 00:30 on
 * 1 January 2027 in Paris. "Today" is the French calendar day, so a lease dated 1 January is not
 * in the future. The clock is injected into the app instead of shifting the process's Date.
 */
describe('One Europe/Paris calendar (new-year-paris-lease)', () => {
  const FAKE_NOW = Date.parse('2026-12-31T23:30:00Z');
  let app: TestApp;

  beforeAll(async () => {
    const offset = FAKE_NOW - Date.now();
    app = await startTestApp({}, { clock: () => new Date(Date.now() + offset) });
  });

  afterAll(async () => {
    await app.close();
  });

  const lease = (leaseDate: string, caseId: string) => ({
    eventId: randomUUID(),
    leaseId: `B-${caseId}`,
    caseId,
    bailleurId: 'lille-metropole-habitat',
    leaseDate,
    flat: {
      rplsId: '5935000001',
      communeInsee: '59350',
      epciSiren: '200093201',
      qpvCode: null,
      typology: 'T3',
      financing: 'PLUS',
    },
    household: {
      numeroUnique: `0591227${caseId}`,
      composition: { personsAged14OrMore: 1, childrenUnder14: 0 },
      yearlyResources: 9_800,
    },
    flags: { dalo: false },
    reservataireId: null,
    gestionMode: 'directe',
  });

  it('accepts at 00:30 in Paris a lease dated 1 January (still 31 December in UTC): 201', async () => {
    const bailleur = await createKey(app.url, 'bailleur', 'lille-metropole-habitat');
    const response = await postJson(`${app.url}/v1/leases`, lease('2027-01-01', 'D-NY-1'), bailleur.auth);
    expect(response.body).toMatchObject({ alreadyRecorded: false });
    expect(response.status).toBe(201);
  });

  it('still refuses 2 January, the day after the Paris day, naming the Paris day as today', async () => {
    const response = await postJson(`${app.url}/v1/leases`, lease('2027-01-02', 'D-NY-2'));
    expect(response.status).toBe(422);
    expect(response.body).toMatchObject({ code: 'LEASE_DATE_IN_FUTURE', details: { today: '2027-01-01' } });
  });

  it('shows the freshness of figures as a Paris timestamp with its offset', async () => {
    const summary = await waitFor(
      () => getJson(`${app.url}/v1/epcis/200093201/leases/summary?year=2027`),
      (r) => r.body.total === 1,
    );
    expect(summary.body.freshness.lastEventAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0[12]:00$/);
  });
});
