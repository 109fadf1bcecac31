import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { LiveFeedService } from '../../apps/api/src/alerts/live-feed.service.js';
import { adminFetch, postJson, startTestApp, TEST_ADMIN_KEY, type TestApp } from '../support/app.js';

const MEL = '200093201';
const OTHER_EPCI = '245900410';
const CLIENTS = 100;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Client {
  readonly events: Array<{ event: string; data: { eventId?: string; position?: number } }>;
}

function openStream(url: string, signal: AbortSignal): Promise<Client> {
  return new Promise((resolve, reject) => {
    const client: Client = { events: [] };
    void (async () => {
      try {
        const response = await adminFetch(url, { signal });
        const decoder = new TextDecoder();
        let buffer = '';
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          buffer += decoder.decode(chunk, { stream: true });
          let end;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const event = /^event: (.*)$/m.exec(block)?.[1];
            const data = /^data: (.*)$/m.exec(block)?.[1];
            if (event && data) client.events.push({ event, data: JSON.parse(data) });
            if (event === 'ready') resolve(client);
          }
        }
      } catch (error) {
        if (!signal.aborted) reject(error);
      }
    })();
  });
}

describe('Live streams share one reader of the log per process; requests and their bodies have deadlines', () => {
  let app: TestApp;
  const abort = new AbortController();

  beforeAll(async () => {
    app = await startTestApp({ HTTP_BODY_TIMEOUT_S: '1', HTTP_REQUEST_TIMEOUT_S: '2' });
  });

  afterAll(async () => {
    abort.abort();
    await sleep(100);
    await app.close();
  });

  /** Connections taken from the pool during `ms`: every database round trip of the process. */
  async function roundTrips(ms: number): Promise<number> {
    let count = 0;
    const count1 = () => (count += 1);
    app.running.runtime.pool.on('acquire', count1);
    await sleep(ms);
    app.running.runtime.pool.off('acquire', count1);
    return count;
  }

  it(`${CLIENTS} idle clients cost no database polling, and each one gets what is recorded for it`, async () => {
    const idle = await roundTrips(2_000);
    const clients = await Promise.all(
      Array.from({ length: CLIENTS }, (_, i) =>
        openStream(`${app.url}/v1/stream?epci=${i % 2 === 0 ? MEL : OTHER_EPCI}`, abort.signal),
      ),
    );
    expect(app.running.app.get(LiveFeedService).clients).toBe(CLIENTS);
    const withClients = await roundTrips(2_000);
    console.log(`live stream: ${idle} database round trips in 2 s without clients, ${withClients} with ${CLIENTS} idle clients`);
    // One shared reader polling at most once a second as a fallback (it was one poll per client every 50 ms here).
    expect(withClients - idle).toBeLessThan(60);

    const eventId = randomUUID();
    // As a client does: a 503 (SERVER_BUSY, or the log copy behind, on a loaded machine) is sent
    // again, same event id, after its Retry-After.
    const postLease = async (body: unknown) => {
      for (let attempt = 0; ; attempt += 1) {
        const answer = await postJson(`${app.url}/v1/leases`, body);
        if (answer.status !== 503 || attempt === 10) return answer;
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    };
    const lease = await postLease({
      eventId,
      leaseId: 'BAIL-LIVE-1',
      caseId: 'D-LIVE-1',
      bailleurId: 'lille-metropole-habitat',
      leaseDate: '2026-03-02',
      flat: { rplsId: '5935000001', communeInsee: '59350', epciSiren: MEL, qpvCode: null, typology: 'T3', financing: 'PLUS' },
      household: { numeroUnique: 'hh-live', composition: { personsAged14OrMore: 1, childrenUnder14: 0 }, yearlyResources: 9_800 },
      flags: {},
      reservataireId: null,
      gestionMode: 'directe',
    });
    expect(lease.status).toBe(201);
    const received = (client: Client) => client.events.filter((e) => e.event === 'fact' && e.data.eventId === eventId).length;
    const deadline = Date.now() + 10_000;
    while (clients.filter((c, i) => i % 2 === 0 && received(c) === 1).length < CLIENTS / 2 && Date.now() < deadline)
      await sleep(50);
    expect(clients.map(received)).toEqual(Array.from({ length: CLIENTS }, (_, i) => (i % 2 === 0 ? 1 : 0)));
    // Each stream starts after its `ready` position: nothing older is sent.
    for (const client of clients) {
      const ready = client.events[0]!;
      expect(ready.event).toBe('ready');
      expect(client.events.slice(1).every((e) => (e.data.position ?? 0) > (ready.data.position ?? 0))).toBe(true);
    }
  }, 60_000);

  it('answers 408 REQUEST_TIMEOUT to a body that does not arrive in time, and closes the connection', async () => {
    const { port } = new URL(app.url);
    const started = Date.now();
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => {
        socket.write(
          'POST /v1/leases HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n' +
            // A valid key: a body is read only once its sender is authenticated.
            `Authorization: Bearer ${TEST_ADMIN_KEY}\r\n\r\n{"eventId":`,
        );
      });
      let text = '';
      socket.on('data', (chunk) => (text += chunk.toString()));
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
      socket.setTimeout(10_000, () => socket.destroy(new Error('no answer within 10 s')));
    });
    const seconds = (Date.now() - started) / 1_000;
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(answer).toContain('"code":"REQUEST_TIMEOUT"');
    expect(seconds).toBeGreaterThanOrEqual(0.9);
    expect(seconds).toBeLessThan(3);
  }, 20_000);

  it('answers 503 REQUEST_DEADLINE_EXCEEDED to a request blocked past its deadline; sent again, it is recorded once', async () => {
    const body = {
      eventId: randomUUID(),
      leaseId: 'BAIL-DEADLINE-1',
      caseId: 'D-DEADLINE-1',
      bailleurId: 'lille-metropole-habitat',
      leaseDate: '2026-03-02',
      flat: { rplsId: '5935000001', communeInsee: '59350', epciSiren: MEL, qpvCode: null, typology: 'T3', financing: 'PLUS' },
      household: {
        numeroUnique: 'hh-deadline',
        composition: { personsAged14OrMore: 1, childrenUnder14: 0 },
        yearlyResources: 9_800,
      },
      flags: {},
      reservataireId: null,
      gestionMode: 'directe',
    };
    // Another session holds the events table: the append waits behind it.
    const blocker = await app.db.pool.connect();
    let first: Awaited<ReturnType<typeof postJson>>;
    const started = Date.now();
    try {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE events IN EXCLUSIVE MODE');
      first = await postJson(`${app.url}/v1/leases`, body);
    } finally {
      await blocker.query('ROLLBACK');
      blocker.release();
    }
    const seconds = (Date.now() - started) / 1_000;
    expect(first.status).toBe(503);
    expect(first.body).toMatchObject({ code: 'REQUEST_DEADLINE_EXCEEDED' });
    expect(seconds).toBeGreaterThanOrEqual(1.9);
    expect(seconds).toBeLessThan(5);
    // The blocked append went on once the lock was released: the retry is answered as a retry.
    const retry = await postJson(`${app.url}/v1/leases`, body);
    expect([200, 201]).toContain(retry.status);
    const { rows } = await app.db.pool.query('SELECT count(*)::int AS n FROM events WHERE event_id = $1', [body.eventId]);
    expect(rows[0].n).toBe(1);
  }, 30_000);
});
