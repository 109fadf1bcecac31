import { randomUUID } from 'node:crypto';
import { adminFetch, postJson, startTestApp, type TestApp } from '../support/app.js';

function leaseBody(overrides: Record<string, unknown> = {}) {
  return {
    eventId: randomUUID(),
    leaseId: 'BAIL-H-1',
    caseId: 'D-H-1',
    bailleurId: 'lille-metropole-habitat',
    leaseDate: '2026-03-02',
    flat: {
      rplsId: '5935000001',
      communeInsee: '59350',
      epciSiren: '200093201',
      qpvCode: null,
      typology: 'T3',
      financing: 'PLUS',
    },
    household: { numeroUnique: 'hh-h-1', composition: { personsAged14OrMore: 1, childrenUnder14: 0 }, yearlyResources: 9_800 },
    flags: {},
    reservataireId: null,
    gestionMode: 'directe',
    ...overrides,
  };
}

/** What PostgreSQL cannot store is refused with a 400 naming the field, before any database call; nothing is written. */
describe('Input PostgreSQL cannot store', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp();
  });

  afterAll(async () => {
    await app.close();
  });

  async function eventCount(): Promise<number> {
    const { rows } = await app.db.pool.query<{ count: string }>('SELECT count(*) FROM events');
    return Number(rows[0]!.count);
  }

  it.each([
    ['a NUL in free text', { flags: { priorityCategory: 'cat\u0000gorie' } }, 'flags.priorityCategory'],
    ['a lone surrogate in free text', { flags: { priorityCategory: 'cat\uD800gorie' } }, 'flags.priorityCategory'],
    [
      'a NUL in a household number',
      { household: { ...leaseBody().household, numeroUnique: 'hh\u0000' } },
      'household.numeroUnique',
    ],
  ])('%s: 400 UNSTORABLE_CHARACTER on its path', async (_label, overrides, path) => {
    const before = await eventCount();
    const response = await postJson(`${app.url}/v1/leases`, leaseBody(overrides));
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ path, code: 'UNSTORABLE_CHARACTER' }] });
    expect(await eventCount()).toBe(before);
  });

  it.each([
    ['%00 in a lease id read by the access guard', '/v1/leases/BAIL%00X/cancellation'],
    ['a lone surrogate in a path id', '/v1/leases/BAIL%ED%A0%80X/cancellation'],
  ])('%s: 400, not 500', async (_label, path) => {
    const before = await eventCount();
    const response = await adminFetch(`${app.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        eventId: randomUUID(),
        bailleurId: 'lille-metropole-habitat',
        caseId: 'D-H-1',
        cancelledOn: '2026-03-03',
      }),
    });
    expect(response.status).toBe(400);
    expect(await eventCount()).toBe(before);
  });

  it('an out-of-range asOf timestamp: 400, not 500', async () => {
    const response = await adminFetch(`${app.url}/v1/epcis/200093201/compliance?year=2026&asOf=-271821-04-20T00:00:00Z`);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ path: 'asOf' }] });
  });

  it('a bad path parameter is reported under its own name, not as the body', async () => {
    const bilan = await adminFetch(`${app.url}/v1/bailleurs/lmh/bilans/abc`);
    expect(bilan.status).toBe(400);
    expect(await bilan.json()).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ path: 'year' }] });
    const bailleur = await adminFetch(`${app.url}/v1/bailleurs/lmh%C3%A9`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'LMH', siren: null }),
    });
    expect(bailleur.status).toBe(400);
    expect(await bailleur.json()).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ path: 'id' }] });
  });
});
