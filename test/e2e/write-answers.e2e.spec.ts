import { randomUUID } from 'node:crypto';
import { adminFetch, startTestApp, type TestApp } from '../support/app.js';

/**
 * One answer for every write, whatever its context: 201 and `Location` for a new fact, 200 with
 * the same answer for a retry (the same event id, the same fact), 409 EVENT_ID_CONFLICT for the
 * same id with another fact; a PUT that changes nothing answers 200 and records nothing.
 */
const MEL = '200093201';
const flat = { rplsId: '5935000001', communeInsee: '59350', epciSiren: MEL, qpvCode: null, typology: 'T3', financing: 'PLUS' };

describe('Write answers: one shape and one status rule for every write', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app.close();
  });

  const send = async (method: string, path: string, body: unknown) => {
    const response = await adminFetch(`${app.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return {
      status: response.status,
      location: response.headers.get('location'),
      body: (await response.json()) as Record<string, unknown>,
    };
  };

  const WRITES: Array<{
    name: string;
    path: string;
    body: (eventId: string) => Record<string, unknown>;
    other: Record<string, unknown>;
  }> = [
    {
      name: 'lease',
      path: '/v1/leases',
      body: (eventId) => ({
        eventId,
        leaseId: 'L-W1',
        caseId: 'C-W1',
        bailleurId: 'lmh',
        leaseDate: '2026-03-02',
        flat,
        household: {
          numeroUnique: 'nud-write-1',
          composition: { personsAged14OrMore: 1, childrenUnder14: 0 },
          yearlyResources: 9_000,
        },
        reservataireId: null,
        gestionMode: 'directe',
      }),
      other: { leaseId: 'L-W2' },
    },
    {
      name: 'CAL decision',
      path: '/v1/cal-decisions',
      body: (eventId) => ({
        eventId,
        caseId: 'C-W3',
        bailleurId: 'lmh',
        calDate: '2026-02-10',
        flat,
        candidates: [{ rank: 1, numeroUnique: 'nud-write-3', decision: 'attribution' }],
        reservataireId: null,
      }),
      other: { calDate: '2026-02-11' },
    },
    {
      name: 'convention',
      path: '/v1/conventions',
      body: (eventId) => ({
        eventId,
        conventionId: 'CONV-W',
        bailleurId: 'lmh',
        reservataireId: 'als',
        departement: '59',
        period: { startYear: 2025, endYear: 2030 },
        fluxShare: 0.25,
        gestionMode: 'directe',
        signedOn: '2024-12-02',
      }),
      other: { fluxShare: 0.3 },
    },
    {
      name: 'flux release',
      path: '/v1/flux/releases',
      body: (eventId) => ({
        eventId,
        bailleurId: 'lmh',
        rplsId: 'RW1',
        departement: '59',
        releasedOn: '2026-03-01',
        inNetBase: true,
      }),
      other: { releasedOn: '2026-03-02' },
    },
    {
      name: 'quartile threshold',
      path: `/v1/epcis/${MEL}/quartile-thresholds`,
      body: (eventId) => ({ eventId, year: 2026, amountPerUc: 10_000, source: 'Arrêté' }),
      other: { amountPerUc: 11_000 },
    },
  ];

  for (const write of WRITES) {
    it(`${write.name}: 201 with Location, then 200 with the same answer for a retry, then 409 for the same id with another fact`, async () => {
      const eventId = randomUUID();
      const created = await send('POST', write.path, write.body(eventId));
      expect({ status: created.status, location: created.location }).toEqual({ status: 201, location: `/v1/events/${eventId}` });
      expect(created.body).toEqual({
        eventId,
        eventType: expect.any(String),
        streamId: expect.any(String),
        streamVersion: expect.any(Number),
        position: expect.any(Number),
        alreadyRecorded: false,
        recorded: true,
      });
      const retry = await send('POST', write.path, write.body(eventId));
      expect({ status: retry.status, location: retry.location, body: retry.body }).toEqual({
        status: 200,
        location: `/v1/events/${eventId}`,
        body: { ...created.body, alreadyRecorded: true },
      });
      const conflict = await send('POST', write.path, { ...write.body(eventId), ...write.other });
      expect({ status: conflict.status, code: conflict.body.code }).toEqual({ status: 409, code: 'EVENT_ID_CONFLICT' });
    });
  }

  it('a PUT that changes nothing answers 200 and records nothing', async () => {
    const first = await send('PUT', '/v1/reservataires/als', { name: 'Action Logement Services', kind: 'action_logement' });
    const again = await send('PUT', '/v1/reservataires/als', { name: 'Action Logement Services', kind: 'action_logement' });
    expect([first.status, first.body.recorded]).toEqual([201, true]);
    expect([again.status, again.body.recorded, again.body.eventId]).toEqual([200, false, null]);
  });

  it('answers identical concurrent retries of a lease with 201 once and 200 for the others, never a refusal', async () => {
    const eventId = randomUUID();
    const lease = WRITES[0]!.body(eventId) as { household: object };
    // Another household than the first lease's (same flat and date): otherwise a probable duplicate.
    const body = { ...lease, leaseId: 'L-W9', caseId: 'C-W9', household: { ...lease.household, numeroUnique: 'nud-write-9' } };
    const answers = await Promise.all(Array.from({ length: 8 }, () => send('POST', '/v1/leases', body)));
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 201]);
  });
});
