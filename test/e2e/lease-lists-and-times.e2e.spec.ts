import { randomUUID } from 'node:crypto';
import { adminFetch, createKey, getJson, postJson, startTestApp, type TestApp, type TestKey, waitFor } from '../support/app.js';

/**
 * A bailleur's own lease list (every EPCI), the same flat leased twice within 30 days as a flag,
 * and the two times (asOf: what Vigie knew then; signedUntil: facts dated up to a day) on every
 * read that gives a figure: lease summary, audit ledger, bilan.
 */

/** A path with one more query parameter. */
const withQuery = (path: string, query: string) => `${path}${path.includes('?') ? '&' : '?'}${query}`;
describe('Lease lists of a bailleur, flats leased twice, and the two times on every figure', () => {
  const MEL = '200093201';
  let app: TestApp;
  let lmh: TestKey;
  let vilogia: TestKey;
  const positions: number[] = [];

  const lease = (i: number, bailleurId: string, leaseDate: string, rplsId: string, reservataireId: string | null) => ({
    eventId: randomUUID(),
    leaseId: `B-${bailleurId}-${i}`,
    caseId: `D-${bailleurId}-${i}`,
    bailleurId,
    leaseDate,
    flat: { rplsId, communeInsee: '59350', epciSiren: MEL, qpvCode: null, typology: 'T3', financing: 'PLUS' },
    household: {
      numeroUnique: `05912270077${i}`,
      composition: { personsAged14OrMore: 1, childrenUnder14: 0 },
      yearlyResources: 9_000,
    },
    flags: { dalo: false },
    reservataireId,
    gestionMode: 'directe',
  });

  beforeAll(async () => {
    app = await startTestApp();
    lmh = await createKey(app.url, 'bailleur', 'lmh');
    vilogia = await createKey(app.url, 'bailleur', 'vilogia');
    for (const body of [
      lease(0, 'lmh', '2026-03-02', 'R0', 'action-logement'),
      lease(1, 'lmh', '2026-06-30', 'R1', 'action-logement'),
      // The same flat let again ten days later: a flag, not a refusal.
      lease(2, 'lmh', '2026-07-10', 'R1', null),
      lease(3, 'lmh', '2026-09-15', 'R3', 'action-logement'),
      lease(4, 'vilogia', '2026-03-05', 'R9', 'action-logement'),
    ]) {
      const response = await postJson(`${app.url}/v1/leases`, body);
      expect(response.status).toBe(201);
      positions.push(response.body.position);
    }
    await waitFor(
      () => getJson(`${app.url}/v1/reservataires/action-logement/ledger?year=2026`),
      (r) => r.status === 200 && r.body.rows.length === 4,
    );
    await waitFor(
      () => getJson(`${app.url}/v1/epcis/${MEL}/leases?year=2026`),
      (r) => r.status === 200 && r.body.freshness.position >= positions.at(-1)!,
    );
  });

  afterAll(async () => {
    await app.close();
  });

  const ids = (body: { leases: Array<{ leaseId: string }> }) => body.leases.map((l) => l.leaseId);

  describe('a bailleur’s lease list', () => {
    it('lists its own leases of every EPCI with their classification, flags and proving event', async () => {
      const { status, body } = await getJson(`${app.url}/v1/bailleurs/lmh/leases?year=2026`, lmh.auth);
      expect(status).toBe(200);
      expect(ids(body)).toEqual(['B-lmh-0', 'B-lmh-1', 'B-lmh-2', 'B-lmh-3']);
      expect(body.leases[1]).toMatchObject({
        epciSiren: MEL,
        q1: 'pending',
        flatLeasedTwice: true,
        probableDuplicate: false,
        withoutCalDecision: true,
      });
      expect(body.leases[1].objectives.map((o: { id: string }) => o.id)).toEqual(['HQ1', 'QNQ1', 'PRIO', 'ANRU']);
      const event = await getJson(`${app.url}/v1/events/${body.leases[1].eventId}`);
      expect(event.body).toMatchObject({ globalPosition: body.leases[1].position, data: { leaseId: 'B-lmh-1' } });
    });

    it('answers another bailleur exactly as a list that does not exist', async () => {
      const other = await getJson(`${app.url}/v1/bailleurs/lmh/leases?year=2026`, vilogia.auth);
      const none = await getJson(`${app.url}/v1/bailleurs/nobody/leases?year=2026`, vilogia.auth);
      expect(other.status).toBe(404);
      expect(other.body).toEqual(none.body);
      expect(ids((await getJson(`${app.url}/v1/bailleurs/vilogia/leases?year=2026`, vilogia.auth)).body)).toEqual([
        'B-vilogia-4',
      ]);
    });

    it('filters flagged leases and flats leased twice; answers CSV with the EPCI and the flag', async () => {
      for (const filter of ['flat_leased_twice', 'flagged']) {
        const { body } = await getJson(`${app.url}/v1/bailleurs/lmh/leases?year=2026&filter=${filter}`, lmh.auth);
        expect(ids(body)).toEqual(['B-lmh-1', 'B-lmh-2']);
      }
      expect(
        (await getJson(`${app.url}/v1/bailleurs/lmh/leases?year=2026&filter=no_cal_decision`, lmh.auth)).body.leases,
      ).toHaveLength(4);
      const csv = await fetch(`${app.url}/v1/bailleurs/lmh/leases?year=2026&format=csv`, { headers: lmh.auth });
      const lines = (await csv.text()).replace(/^\uFEFF/, '').split('\r\n');
      expect(lines[0]).toContain('EPCI;SIREN de l’EPCI;Bailleur;Identifiant du bailleur');
      expect(lines[0]).toContain('Logement loué deux fois en 30 jours');
      expect(lines.filter((line) => line.startsWith('B-lmh-'))).toHaveLength(4);
    });

    it('reads what Vigie knew then (asOf) and the leases signed up to a day (signedUntil), combinable', async () => {
      const url = `${app.url}/v1/bailleurs/lmh/leases?year=2026`;
      expect(ids((await getJson(`${url}&asOf=${positions[1]}`, lmh.auth)).body)).toEqual(['B-lmh-0', 'B-lmh-1']);
      expect(ids((await getJson(`${url}&signedUntil=2026-06-30`, lmh.auth)).body)).toEqual(['B-lmh-0', 'B-lmh-1']);
      const both = (await getJson(`${url}&asOf=${positions[3]}&signedUntil=2026-03-31`, lmh.auth)).body;
      expect([ids(both), both.asOf.position, both.signedUntil]).toEqual([['B-lmh-0'], positions[3], '2026-03-31']);
    });
  });

  it('counts the leases of a flat leased twice within 30 days in the EPCI’s dataQuality', async () => {
    const { body } = await getJson(`${app.url}/v1/epcis/${MEL}/compliance?year=2026`);
    expect(body.dataQuality).toMatchObject({ leases: 5, flatLeasedTwice: 2, probableDuplicates: 0 });
    const june = await getJson(`${app.url}/v1/epcis/${MEL}/compliance?year=2026&signedUntil=2026-06-30`);
    expect(june.body.dataQuality).toMatchObject({ leases: 3, flatLeasedTwice: 0 });
  });

  describe('the two times on the lease summary, the audit ledger and the bilan', () => {
    it('lease summary: as it stands, asOf, signedUntil, both', async () => {
      const summary = (query: string) => getJson(`${app.url}/v1/epcis/${MEL}/leases/summary?year=2026${query}`);
      expect((await summary('')).body).toMatchObject({ total: 5, asOf: null, signedUntil: null });
      expect((await summary(`&asOf=${positions[0]}`)).body).toMatchObject({
        total: 1,
        byBailleur: [{ bailleurId: 'lmh', leases: 1 }],
        asOf: { position: positions[0], live: false },
      });
      expect((await summary('&signedUntil=2026-06-30')).body).toMatchObject({ total: 3, signedUntil: '2026-06-30' });
      expect((await summary(`&asOf=${positions[3]}&signedUntil=2026-06-30`)).body.total).toBe(2);
      const beforeAll = new Date(Date.now() - 24 * 3600 * 1000).toISOString();
      expect((await summary(`&asOf=${encodeURIComponent(beforeAll)}`)).body.total).toBe(0);
    });

    it('audit ledger: facts known then and dated up to a day', async () => {
      const ledger = (query: string) => getJson(`${app.url}/v1/reservataires/action-logement/ledger?year=2026${query}`);
      expect((await ledger('')).body).toMatchObject({ total: 4, asOf: null });
      expect((await ledger('&signedUntil=2026-06-30')).body.total).toBe(3);
      expect((await ledger(`&asOf=${positions[1]}`)).body).toMatchObject({ total: 2, asOf: { position: positions[1] } });
      expect((await ledger(`&asOf=${positions[4]}&signedUntil=2026-03-04&bailleur=lmh`)).body.total).toBe(1);
    });

    it('bilan: leases known then and signed up to a day', async () => {
      const bilan = (query: string) => getJson(`${app.url}/v1/bailleurs/lmh/bilans/2026${query ? `?${query}` : ''}`);
      expect((await bilan('')).body.leases).toBe(4);
      expect((await bilan('signedUntil=2026-06-30')).body).toMatchObject({ leases: 2, signedUntil: '2026-06-30' });
      expect((await bilan(`asOf=${positions[0]}`)).body).toMatchObject({ leases: 1, asOf: { position: positions[0] } });
    });

    it.each([
      ['EPCI compliance', '/v1/epcis/200093201/compliance?year=2026'],
      ['EPCI compliance, an export', '/v1/epcis/200093201/compliance?year=2026&format=csv'],
      ['département compliance', '/v1/departements/59/compliance?year=2026'],
      ['forecast', '/v1/epcis/200093201/compliance/forecast?year=2026'],
      ['EPCI lease list', '/v1/epcis/200093201/leases?year=2026'],
      ['bailleur lease list', '/v1/bailleurs/lmh/leases?year=2026'],
      ['lease summary', '/v1/epcis/200093201/leases/summary?year=2026'],
      ['audit ledger', '/v1/reservataires/action-logement/ledger?year=2026'],
      ['bilan', '/v1/bailleurs/lmh/bilans/2026'],
    ])(
      '%s: refuses an asOf Vigie has not reached (422 AS_OF_NOT_REACHED), naming the last position or the time now',
      async (_label, path) => {
        const head = positions.at(-1)!;
        const beyond = await getJson(`${app.url}${withQuery(path, `asOf=${head + 1_000}`)}`);
        expect(beyond.status).toBe(422);
        expect(beyond.body).toMatchObject({
          code: 'AS_OF_NOT_REACHED',
          details: { headPosition: head },
          errors: [{ path: 'asOf', code: 'AS_OF_NOT_REACHED' }],
        });
        expect(beyond.body.detail).toBe(
          `asOf=${head + 1_000} : Vigie n’a pas encore atteint cette position, la dernière enregistrée est ${head}. Demandez une position jusqu’à ${head}, ou omettez asOf pour les chiffres à jour.`,
        );
        const tomorrow = new Date(Date.now() + 24 * 3_600_000).toISOString();
        const future = await getJson(`${app.url}${withQuery(path, `asOf=${encodeURIComponent(tomorrow)}`)}`);
        expect(future.status).toBe(422);
        expect(future.body.code).toBe('AS_OF_NOT_REACHED');
        expect(future.body.detail).toMatch(
          /^asOf \(.+\) est dans le futur : il est \d{4}-\d{2}-\d{2}T.+ à Paris\. Demandez un instant passé/,
        );
        // The head itself, and now, are reached.
        expect((await adminFetch(`${app.url}${withQuery(path, `asOf=${head}`)}`)).status).toBe(200);
        expect(
          (await adminFetch(`${app.url}${withQuery(path, `asOf=${encodeURIComponent(new Date().toISOString())}`)}`)).status,
        ).toBe(200);
      },
    );

    it.each([
      ['/v1/epcis/200093201/leases/summary?year=2026', 'asOf=2026-06-30'],
      ['/v1/epcis/200093201/leases/summary?year=2026', 'signedUntil=2026-02-30'],
      ['/v1/reservataires/action-logement/ledger?year=2026', 'asOf=2026-06-30T23:59:59'],
      ['/v1/reservataires/action-logement/ledger?year=2026', 'signedUntil=30/06/2026'],
      ['/v1/bailleurs/lmh/bilans/2026', 'asOf=hier'],
      ['/v1/bailleurs/lmh/leases?year=2026', 'asOf=2026-06-30'],
      ['/v1/epcis/200093201/leases?year=2026', 'signedUntil=2026-6-30'],
    ])('%s&%s: 400 naming the accepted forms', async (path, query) => {
      const { status, body } = await getJson(`${app.url}${withQuery(path, query)}`);
      expect(status).toBe(400);
      const message = JSON.stringify(body.errors);
      expect(message).toMatch(query.startsWith('asOf') ? /position globale.*ISO 8601 avec son fuseau/ : /AAAA-MM-JJ/);
    });
  });

  it('writes every date of every CSV export in one French style: JJ/MM/AAAA, instants JJ/MM/AAAA HH:MM (Paris), never AAAA-MM-JJ', async () => {
    const exports = [
      '/v1/epcis/200093201/leases?year=2026',
      '/v1/bailleurs/lmh/leases?year=2026',
      '/v1/reservataires/action-logement/ledger?year=2026',
      '/v1/epcis/200093201/leases/summary?year=2026',
      '/v1/epcis/200093201/compliance?year=2026',
      '/v1/epcis/200093201/compliance/forecast?year=2026',
      '/v1/bailleurs/lmh/bilans/2026',
      '/v1/alerts',
    ];
    for (const path of exports) {
      const response = await adminFetch(`${app.url}${withQuery(path, 'format=csv')}`);
      expect({ path, status: response.status }).toEqual({ path, status: 200 });
      const text = (await response.text()).replace(/^\uFEFF/, '');
      expect({ path, iso: text.match(/\d{4}-\d{2}-\d{2}/g) }).toEqual({ path, iso: null });
    }
    const lines = async (path: string) =>
      (await (await adminFetch(`${app.url}${withQuery(path, 'format=csv')}`)).text())
        .replace(/^\uFEFF/, '')
        .trim()
        .split('\r\n');
    // The lease date of B-lmh-0 (2026-03-02), as a French spreadsheet reads it and the import reads it back.
    expect((await lines('/v1/bailleurs/lmh/leases?year=2026')).find((line) => line.includes('B-lmh-0'))).toContain(
      ';02/03/2026;',
    );
    const ledger = await lines('/v1/reservataires/action-logement/ledger?year=2026');
    const recordedAt = ledger[0]!.split(';').indexOf('Enregistré le');
    expect(ledger[1]!.split(';')[0]).toBe('02/03/2026');
    expect(ledger[1]!.split(';')[recordedAt]).toMatch(/^\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}$/);
  });

  it('writes every instant of an answer in Paris time with its offset, never in UTC with Z', async () => {
    const paris = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0[12]:00$/;
    const first = await postJson(`${app.url}/v1/leases`, lease(9, 'lmh', '2026-04-01', 'R9', null));
    const event = await getJson(`${app.url}/v1/events/${first.body.eventId}`);
    expect(event.body.recordedAt).toMatch(paris);
    const ledger = await getJson(`${app.url}/v1/reservataires/action-logement/ledger?year=2026`);
    expect(ledger.body.rows[0].recordedAt).toMatch(paris);
    const keys = await getJson(`${app.url}/v1/admin/api-keys`);
    expect(keys.body.keys?.[0]?.createdAt ?? keys.body[0]?.createdAt).toMatch(paris);
  });
});
