import { randomUUID } from 'node:crypto';
import { adminFetch, getJson, postJson, startTestApp, type TestApp, waitFor } from '../support/app.js';

/** The leases behind the figures of an EPCI, lease by lease, with the reason each counts or not. */
describe('Lease-level list of an EPCI', () => {
  const MEL = '200093201';
  let app: TestApp;
  let last = 0;

  const lease = (i: number, over: { resources?: number | null; household?: string; rpls?: string } = {}) => ({
    eventId: randomUUID(),
    leaseId: `B-${i}`,
    caseId: `D-${i}`,
    bailleurId: 'lmh',
    leaseDate: '2026-03-02',
    flat: {
      rplsId: over.rpls ?? `R${i}`,
      communeInsee: '59350',
      epciSiren: MEL,
      qpvCode: null,
      typology: 'T3',
      financing: 'PLUS',
    },
    household: {
      numeroUnique: over.household ?? `059122700${i}`,
      composition: { personsAged14OrMore: 1, childrenUnder14: 0 },
      yearlyResources: over.resources === undefined ? 5_000 : over.resources,
    },
    flags: { dalo: i === 1 },
    reservataireId: null,
    gestionMode: 'directe',
  });

  beforeAll(async () => {
    app = await startTestApp();
    await postJson(`${app.url}/v1/epcis/${MEL}/quartile-thresholds`, { year: 2026, amountPerUc: 10_000, source: 'Arrêté' });
    for (const body of [
      lease(1),
      lease(2, { resources: null }),
      // The same lease sent again under another reference, confirmed by the bailleur as another lease.
      { ...lease(3, { household: '0591227001', rpls: 'R1' }), confirmeDoublon: true },
    ]) {
      const response = await postJson(`${app.url}/v1/leases`, body);
      expect(response.status).toBe(201);
      last = response.body.position;
    }
  });

  afterAll(async () => {
    await app.close();
  });

  const list = (query = '') =>
    waitFor(
      () => getJson(`${app.url}/v1/epcis/${MEL}/leases?year=2026${query}`),
      (r) => r.status !== 200 || r.body.freshness.position >= last,
    );

  it('lists each lease with its classification per objective, the reason and the event that proves it', async () => {
    const { status, body } = await list();
    expect(status).toBe(200);
    expect(body.leases).toHaveLength(3);
    const first = body.leases.find((l: { leaseId: string }) => l.leaseId === 'B-1');
    expect(first).toMatchObject({ q1: 'q1', withoutCalDecision: true, probableDuplicate: true });
    expect(first.objectives.find((o: { id: string }) => o.id === 'HQ1')).toEqual({
      id: 'HQ1',
      inPopulation: true,
      qualifies: true,
      reason: 'hors QPV, ménage du 1er quartile',
    });
    expect(first.objectives.find((o: { id: string }) => o.id === 'PRIO')).toMatchObject({
      qualifies: true,
      reason: 'public prioritaire (DALO)',
    });
    const event = await getJson(`${app.url}/v1/events/${first.eventId}`);
    expect(event.body).toMatchObject({ type: 'LeaseSigned', globalPosition: first.position, data: { leaseId: 'B-1' } });
  });

  it('adds up to the figures it explains', async () => {
    const { body } = await list();
    const compliance = await getJson(`${app.url}/v1/epcis/${MEL}/compliance?year=2026`);
    const hq1 = compliance.body.objectives.find((o: { id: string }) => o.id === 'HQ1').scopes[0].figure;
    const counted = (key: 'inPopulation' | 'qualifies') =>
      body.leases.filter((l: { objectives: Array<{ id: string; inPopulation: boolean; qualifies: boolean }> }) =>
        l.objectives.some((o) => o.id === 'HQ1' && o[key]),
      ).length;
    expect([counted('qualifies'), counted('inPopulation')]).toEqual([hq1.numerator, hq1.denominator]);
    expect(compliance.body.dataQuality).toMatchObject({ withoutCalDecision: 3, probableDuplicates: 1, unknownQ1: 1 });
  });

  it('filters unknown Q1, no CAL decision, probable duplicates; answers CSV', async () => {
    expect((await list('&filter=unknown_q1')).body.leases.map((l: { leaseId: string }) => l.leaseId)).toEqual(['B-2']);
    expect((await list('&filter=probable_duplicate')).body.leases.map((l: { leaseId: string }) => l.leaseId).sort()).toEqual([
      'B-1',
      'B-3',
    ]);
    expect((await list('&filter=no_cal_decision')).body.leases).toHaveLength(3);
    expect((await list('&filter=toutes')).status).toBe(400);
    const csv = await adminFetch(`${app.url}/v1/epcis/${MEL}/leases?year=2026&format=csv`);
    const text = (await csv.text()).replace(/^\uFEFF/, '');
    expect(text.split('\r\n')[0]).toContain('HQ1 : motif');
    expect(text).toContain('hors QPV, ressources inconnues (Q1 inconnu)');
  });
});
