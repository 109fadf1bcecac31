import { randomUUID } from 'node:crypto';
import { getJson, postJson, startTestApp, type TestApp, waitFor } from '../support/app.js';

/**
 * Two times on the compliance figures, combinable: asOf = what Vigie knew then (a global position,
 * or an ISO 8601 timestamp with explicit offset), signedUntil = leases signed on or before a
 * business date ("où en étions-nous au 30 juin ?"), even when recorded in November.
 */
describe('Bitemporal reads of the compliance figures', () => {
  const MEL = '200093201';
  let app: TestApp;
  const positions: number[] = [];
  let beforeAnyLease = '';

  type Body = {
    objectives: Array<{
      id: string;
      scopes: Array<{ scope: { kind: string }; figure: { denominator: number; monthly: unknown[] } }>;
    }>;
  };
  const prio = (body: Body) => body.objectives.find((o) => o.id === 'PRIO')!.scopes.find((s) => s.scope.kind === 'epci')!.figure;

  const read = async (query: string) => {
    const response = await waitFor(
      () => getJson(`${app.url}/v1/epcis/${MEL}/compliance?year=2026${query}`),
      (r) => r.status !== 200 || r.body.freshness.position >= positions.at(-1)!,
    );
    return response;
  };

  beforeAll(async () => {
    app = await startTestApp();
    beforeAnyLease = new Date(Date.now() - 1_000).toISOString().replace('Z', '+00:00');
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    // Signed in March, on 30 June, on 1 July and in September; all recorded now (in November, say).
    for (const [i, leaseDate] of ['2026-03-02', '2026-06-30', '2026-07-01', '2026-09-15'].entries()) {
      const response = await postJson(`${app.url}/v1/leases`, {
        eventId: randomUUID(),
        leaseId: `B-${i}`,
        caseId: `D-${i}`,
        bailleurId: 'lmh',
        leaseDate,
        flat: { rplsId: `R${i}`, communeInsee: '59350', epciSiren: MEL, qpvCode: null, typology: 'T3', financing: 'PLUS' },
        household: {
          numeroUnique: `059122700${i}`,
          composition: { personsAged14OrMore: 1, childrenUnder14: 0 },
          yearlyResources: 9_000,
        },
        flags: { dalo: i % 2 === 0 },
        reservataireId: null,
        gestionMode: 'directe',
      });
      expect(response.status).toBe(201);
      positions.push(response.body.position);
    }
  });

  afterAll(async () => {
    await app.close();
  });

  it('signedUntil counts the leases signed up to 30 June, though recorded later, and stops the months there', async () => {
    const { status, body } = await read('&signedUntil=2026-06-30');
    expect(status).toBe(200);
    expect(prio(body).denominator).toBe(2);
    expect(prio(body).monthly).toHaveLength(6);
    expect(body).toMatchObject({ signedUntil: '2026-06-30', referenceDate: '2026-06-30' });
    expect(prio((await read('')).body).denominator).toBe(4);
  });

  it('asOf is what Vigie knew: nothing before the first record, everything at its timestamp with offset', async () => {
    expect(prio((await read(`&asOf=${encodeURIComponent(beforeAnyLease)}`)).body).denominator).toBe(0);
    const now = new Date().toISOString().replace('Z', '+00:00');
    expect(prio((await read(`&asOf=${encodeURIComponent(now)}`)).body).denominator).toBe(4);
  });

  it('combines both: known at the second record, signed up to 30 June', async () => {
    expect(prio((await read(`&asOf=${positions[0]}&signedUntil=2026-06-30`)).body).denominator).toBe(1);
    expect(prio((await read(`&asOf=${positions[2]}&signedUntil=2026-06-30`)).body).denominator).toBe(2);
    expect(prio((await read(`&asOf=${positions[2]}`)).body).denominator).toBe(3);
  });

  it.each([
    ['asOf', '2026-06-30'],
    ['asOf', '2026-06-30T23:59:59'],
    ['asOf', '2026-02-30T10:00:00Z'],
    ['asOf', 'Tue, 30 Jun 2026 21:59:59 GMT'],
    ['asOf', '-3'],
    ['signedUntil', '30/06/2026'],
    ['signedUntil', '2026-02-30'],
  ])('answers 400 to %s=%s, naming the accepted forms', async (name, value) => {
    const response = await getJson(`${app.url}/v1/epcis/${MEL}/compliance?year=2026&${name}=${encodeURIComponent(value)}`);
    expect(response.status).toBe(400);
    const error = response.body.errors.find((e: { path: string }) => e.path === name);
    expect(error.message).toMatch(name === 'asOf' ? /position globale.*ISO 8601.*fuseau.*signedUntil/ : /AAAA-MM-JJ/);
  });
});
