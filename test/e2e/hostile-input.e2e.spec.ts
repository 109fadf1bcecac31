import { randomUUID } from 'node:crypto';
import { createConnection } from 'node:net';
import type { ErrorCode } from '../../apps/api/src/http/error-table.js';
import { problemDocument } from '../../apps/api/src/http/problem.js';
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

/** Over-long or malformed requests Fastify or Node's parser refuse before any route: the same problem+json as every error, in French, quoting nothing of the request. */
describe('Requests refused before routing', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp();
  });

  afterAll(async () => {
    await app.close();
  });

  /** Sends raw bytes on a socket and returns the status, the headers and the body of the answer. */
  async function raw(request: string): Promise<{ status: number; headers: string; body: string }> {
    const { port, hostname } = new URL(app.url);
    const text = await new Promise<string>((resolve, reject) => {
      const socket = createConnection({ host: hostname, port: Number(port) });
      let received = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => (received += chunk));
      socket.on('close', () => resolve(received));
      socket.on('error', (error) => (received ? resolve(received) : reject(error)));
      socket.end(request);
    });
    const [head = '', body = ''] = text.split('\r\n\r\n');
    return { status: Number(head.split(' ')[1]), headers: head, body };
  }

  it.each([
    {
      label: 'a 5 000-digit import id',
      method: 'GET',
      path: `/v1/imports/${'7'.repeat(5_000)}`,
      status: 414,
      code: 'URI_TOO_LONG',
    },
    {
      label: 'a 3 000-character lease id, without a key',
      method: 'POST',
      path: `/v1/leases/${'X'.repeat(3_000)}/cancellation`,
      status: 414,
      code: 'URI_TOO_LONG',
    },
    {
      label: 'a broken % sequence in the path',
      method: 'GET',
      path: '/v1/imports/HH%E0%A4%A',
      status: 400,
      code: 'MALFORMED_URL',
    },
  ])('$label: $status $code as problem+json, French title, the path not echoed', async ({ method, path, status, code }) => {
    const response = await fetch(`${app.url}${path}`, { method });
    const text = await response.text();
    expect({ status: response.status, type: response.headers.get('content-type') }).toEqual({
      status,
      type: 'application/problem+json; charset=utf-8',
    });
    expect(JSON.parse(text)).toEqual(problemDocument(code as ErrorCode));
    expect(text).not.toMatch(/XXXX|7777|HH|FST_ERR|exceeding|Bad Request/);
  });

  it.each([
    {
      label: 'headers over Node’s limit',
      request: `GET /health HTTP/1.1\r\nHost: x\r\nX-Numero: ${'HH'.repeat(20_000)}\r\n\r\n`,
      status: 431,
      code: 'HEADERS_TOO_LARGE',
    },
    {
      label: 'a malformed request line',
      request: 'GET /v1/imports/HH\u0001 HTTP/9\r\n\r\n',
      status: 400,
      code: 'MALFORMED_REQUEST',
    },
  ])('$label: $status $code as problem+json on the socket', async ({ request, status, code }) => {
    const answer = await raw(request);
    expect(answer.status).toBe(status);
    expect(answer.headers).toMatch(/content-type: application\/problem\+json; charset=utf-8/i);
    expect(JSON.parse(answer.body)).toEqual(problemDocument(code as ErrorCode));
    expect(answer.body).not.toMatch(/HH|Client Error|Exceeded/);
  });
});
