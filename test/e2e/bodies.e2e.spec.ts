import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { randomUUID } from 'node:crypto';
import { createKey, getJson, startTestApp, TEST_ADMIN_KEY, type TestApp, type TestKey, waitFor } from '../support/app.js';

const KiB = 1024;
const MiB = 1024 * KiB;

interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Record<string, unknown> | undefined;
  /** Bytes of the body handed to the socket when the answer arrived. */
  readonly sentBeforeAnswer: number;
}

/**
 * Sends `body` in 64 KiB chunks, but only its first `sendAtMost` bytes (the rest is held back,
 * as a slow client would), with a Content-Length of the whole body unless `chunked`. Resolves
 * with the answer; rejects when none arrives within `timeoutMs` — that is, when the server waits
 * for the body it was not sent.
 */
function send(
  url: string,
  options: {
    method?: string;
    path: string;
    headers?: Record<string, string>;
    body: Buffer;
    sendAtMost?: number;
    chunked?: boolean;
    timeoutMs?: number;
  },
): Promise<Answer> {
  const { method = 'POST', path, headers = {}, body, sendAtMost = body.length, chunked = false, timeoutMs = 5_000 } = options;
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const request = httpRequest(new URL(path, url), {
      method,
      agent: false,
      headers: { ...(chunked ? {} : { 'content-length': String(body.length) }), ...headers },
    });
    const timer = setTimeout(() => {
      request.destroy();
      reject(new Error(`${method} ${path}: no answer within ${timeoutMs} ms after sending ${sent} of ${body.length} bytes`));
    }, timeoutMs);
    request.on('response', (response) => {
      answered = true;
      const sentBeforeAnswer = sent;
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        clearTimeout(timer);
        request.destroy();
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: text && /json/.test(response.headers['content-type'] ?? '') ? JSON.parse(text) : undefined,
          sentBeforeAnswer,
        });
      });
    });
    // Once answered, the server closes the connection: writing the rest then fails, as it should.
    request.on('error', (error) => {
      if (answered) return;
      clearTimeout(timer);
      reject(error);
    });
    const write = () => {
      while (sent < sendAtMost && !answered && !request.destroyed) {
        const chunk = body.subarray(sent, Math.min(sent + 64 * KiB, sendAtMost));
        sent += chunk.length;
        if (!request.write(chunk)) {
          request.once('drain', write);
          return;
        }
      }
      if (sent === body.length && !answered) request.end();
    };
    write();
  });
}

const JSON_TYPE = { 'content-type': 'application/json' };

describe('Bodies: read only after authentication, only on the routes that take one, within their limit', () => {
  let app: TestApp;
  let bailleur: TestKey;
  let reservataire: TestKey;
  const big = Buffer.alloc(5 * MiB, 'a');

  beforeAll(async () => {
    app = await startTestApp();
    bailleur = await createKey(app.url, 'bailleur', 'lmh');
    reservataire = await createKey(app.url, 'reservataire', 'action-logement');
  });

  afterAll(async () => {
    await app.close();
  });

  it('answers 401 to a request without a valid key before its body is sent, and closes the connection', async () => {
    for (const [path, type] of [
      ['/v1/leases', 'application/json'],
      ['/v1/imports', 'text/csv'],
      ['/v1/me', 'text/plain'],
    ] as const) {
      for (const auth of <Record<string, string>[]>[
        {},
        { authorization: 'Bearer vigie_0000000000000000_notAKeyNotAKeyNotAKeyNotAKeyNotAKeyNotAKey0' },
      ]) {
        const answer = await send(app.url, {
          method: path === '/v1/me' ? 'GET' : 'POST',
          path,
          headers: { 'content-type': type, ...auth },
          body: big,
          sendAtMost: 64 * KiB,
        });
        expect({ path, status: answer.status, code: answer.body?.code, connection: answer.headers.connection }).toEqual({
          path,
          status: 401,
          code: 'UNAUTHENTICATED',
          connection: 'close',
        });
        expect(answer.sentBeforeAnswer).toBe(64 * KiB);
      }
    }
  });

  it('invites a client that asks (Expect: 100-continue) to send its body only once its key is checked', async () => {
    const ask = (headers: Record<string, string>) =>
      new Promise<{ continued: boolean; status: number }>((resolve, reject) => {
        const body = Buffer.from(JSON.stringify({ name: 'Lille Métropole Habitat' }));
        let continued = false;
        const request = httpRequest(new URL('/v1/bailleurs/lmh', app.url), {
          method: 'PUT',
          agent: false,
          headers: { ...JSON_TYPE, 'content-length': String(body.length), expect: '100-continue', ...headers },
        });
        request.on('continue', () => {
          continued = true;
          request.end(body);
        });
        request.on('response', (response) => {
          response.resume();
          response.on('end', () => resolve({ continued, status: response.statusCode ?? 0 }));
        });
        request.on('error', reject);
        request.flushHeaders();
      });
    expect(await ask({})).toEqual({ continued: false, status: 401 });
    expect(await ask({ authorization: `Bearer ${TEST_ADMIN_KEY}` })).toEqual({ continued: true, status: 201 });
  });

  it('answers 403 to a role the route does not name before its body is sent', async () => {
    const answer = await send(app.url, {
      path: '/v1/leases',
      headers: { ...JSON_TYPE, ...reservataire.auth },
      body: big,
      sendAtMost: 64 * KiB,
    });
    expect({ status: answer.status, code: answer.body?.code }).toEqual({ status: 403, code: 'ROLE_FORBIDDEN' });
  });

  it('never reads a body sent to a route that takes none: it answers, and closes the connection', async () => {
    const answer = await send(app.url, {
      method: 'GET',
      path: '/v1/me',
      headers: { ...JSON_TYPE, ...bailleur.auth },
      body: big,
      sendAtMost: 64 * KiB,
    });
    expect({ status: answer.status, role: answer.body?.role, connection: answer.headers.connection }).toEqual({
      status: 200,
      role: 'bailleur',
      connection: 'close',
    });
  });

  it('refuses a JSON body over the route’s limit with 413 PAYLOAD_TOO_LARGE, before reading it when its length is declared', async () => {
    const declared = await send(app.url, {
      path: '/v1/leases',
      headers: { ...JSON_TYPE, ...bailleur.auth },
      body: big,
      sendAtMost: 64 * KiB,
    });
    expect({ status: declared.status, code: declared.body?.code }).toEqual({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
    expect(declared.headers['content-type']).toContain('application/problem+json');
    // Sent in chunks, with no length announced: refused once the limit (64 KiB) is passed.
    const chunked = await send(app.url, {
      path: '/v1/cal-decisions',
      headers: { ...JSON_TYPE, ...bailleur.auth },
      body: Buffer.from(`{"caseId": "${'x'.repeat(100 * KiB)}"}`),
      chunked: true,
    });
    expect({ status: chunked.status, code: chunked.body?.code }).toEqual({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
    // A CIA may be larger (256 KiB): 100 KiB is read, then judged by its schema.
    const cia = await send(app.url, {
      path: '/v1/epcis/200093201/cia',
      headers: { ...JSON_TYPE, authorization: `Bearer ${TEST_ADMIN_KEY}` },
      body: Buffer.from(JSON.stringify({ adoptedOn: '2026-01-10', terms: { reference: 'x'.repeat(100 * KiB) } })),
    });
    expect(cia.status).not.toBe(413);
  });

  it('keeps the problem answers of a body it cannot read: malformed JSON, another media type', async () => {
    const malformed = await send(app.url, {
      path: '/v1/leases',
      headers: { ...JSON_TYPE, ...bailleur.auth },
      body: Buffer.from('{"leaseId": '),
    });
    expect({ status: malformed.status, code: malformed.body?.code }).toEqual({ status: 400, code: 'MALFORMED_JSON' });
    // `null` is valid JSON: refused for not being the object the route expects, not called malformed.
    const nullBody = await send(app.url, {
      path: '/v1/leases',
      headers: { ...JSON_TYPE, ...bailleur.auth },
      body: Buffer.from('null'),
    });
    expect({ status: nullBody.status, code: nullBody.body?.code }).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
    const text = await send(app.url, {
      path: '/v1/leases',
      headers: { 'content-type': 'text/plain', ...bailleur.auth },
      body: Buffer.from('{}'),
    });
    expect({ status: text.status, code: text.body?.code }).toEqual({ status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
    const empty = await send(app.url, { path: '/v1/leases', headers: { ...JSON_TYPE, ...bailleur.auth }, body: Buffer.alloc(0) });
    expect({ status: empty.status, code: empty.body?.code }).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
  });

  it('says how to fix a JSON body in another charset or compression: 415 naming it, and UTF-8 (or gzip, deflate, br) instead', async () => {
    const latin1 = await send(app.url, {
      path: '/v1/leases',
      headers: { 'content-type': 'application/json; charset=latin1', ...bailleur.auth },
      body: Buffer.from('{"caseId": "D-é"}', 'latin1'),
    });
    expect(latin1.status).toBe(415);
    expect(latin1.body).toMatchObject({
      code: 'UNSUPPORTED_MEDIA_TYPE',
      detail:
        'Jeu de caractères « latin1 » non accepté : encodez le corps en UTF-8 et déclarez-le « Content-Type: application/json; charset=utf-8 » (ou sans charset).',
    });
    const compressed = await send(app.url, {
      path: '/v1/leases',
      headers: { ...JSON_TYPE, 'content-encoding': 'compress', ...bailleur.auth },
      body: Buffer.from('{}'),
    });
    expect(compressed.status).toBe(415);
    expect(compressed.body).toMatchObject({
      code: 'UNSUPPORTED_MEDIA_TYPE',
      detail: expect.stringMatching(/^Compression « compress » .*sans compression, ou compressé en gzip, deflate ou br\.$/),
    });
  });

  it('does not grow the process’s memory with bodies sent without a key', async () => {
    const body = Buffer.alloc(20 * MiB, 'a');
    global.gc?.();
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 5);
    try {
      const answers = await Promise.all(
        Array.from({ length: 5 }, () =>
          send(app.url, { method: 'GET', path: '/v1/me', headers: { 'content-type': 'text/plain' }, body, timeoutMs: 20_000 }),
        ),
      );
      expect(answers.map((answer) => answer.status)).toEqual([401, 401, 401, 401, 401]);
    } finally {
      clearInterval(sampler);
    }
    peak = Math.max(peak, process.memoryUsage().rss);
    // Five 20 MB bodies read would take 100 MB at least; unread, the growth is noise.
    expect((peak - before) / MiB).toBeLessThan(40);
  });

  it('documents each route’s body and its limit in the OpenAPI page', async () => {
    const document = (await (await fetch(`${app.url}/docs/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { description?: string }>>;
    };
    expect(document.paths['/v1/leases']?.post?.description).toContain(
      'Corps : application/json ou application/*+json, 64 Kio au plus',
    );
    expect(document.paths['/v1/imports']?.post?.description).toContain('Corps : text/csv ou application/x-ndjson');
    expect(document.paths['/v1/me']?.get?.description).not.toContain('Corps');
  });

  it('still takes a large CSV file on the import route', async () => {
    const header =
      'type;reference_bail;reference_dossier;bailleur;date_bail;rpls;code_insee;siren_epci;typologie;financement;menage;personnes_14_ans_et_plus;revenus_annuels;mode_gestion;reservataire';
    const rows = Array.from(
      { length: 40_000 },
      (_, i) => `bail;L-BIG-${i};C-BIG-${i};lmh;2026-13-01;5935000001;59350;200093201;T3;PLUS;nud-big-${i};1;9000;directe;`,
    );
    const csv = Buffer.from([header, ...rows].join('\n'));
    expect(csv.length).toBeGreaterThan(3 * MiB);
    const answer = await send(app.url, {
      path: '/v1/imports',
      headers: { 'content-type': 'text/csv', ...bailleur.auth, 'idempotency-key': randomUUID() },
      body: csv,
      timeoutMs: 30_000,
    });
    expect(answer.status).toBe(202);
    const report = await waitFor(
      () => getJson(`${app.url}/v1/imports/${String(answer.body?.id)}`, bailleur.auth),
      (r) => r.body.status === 'termine',
      60_000,
    );
    expect(report.body).toMatchObject({ total: 40_000, rejected: 40_000, accepted: 0 });
  }, 90_000);
});
