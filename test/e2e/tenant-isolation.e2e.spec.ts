import { randomUUID } from 'node:crypto';
import { CONTROLLERS } from '../../apps/api/src/app.module.js';
import { routeRules } from '../../apps/api/src/access/route-rules.js';
import { createKey, postJson, registerOrganisations, startTestApp, type TestApp, type TestKey } from '../support/app.js';

/**
 * Tenant isolation against identifiers chosen to collide: bailleur `a` with case `b-c` and
 * bailleur `a-b` with case `c` were one stream when ids were joined with `-`. No write of one
 * reaches the other's facts, and every refusal is byte for byte the refusal for an id that does
 * not exist. Then a pass generated from the application's route table puts hostile ids in every
 * path parameter of every route.
 */

const MEL = '200093201';
const ARRAS = '200033579';
/** A household number of its own for each case (letters and digits only). */
const household = (...parts: string[]) => `nud-${parts.join('-').replace(/[^A-Za-z0-9-]/g, 'x')}`;
const flat = { rplsId: '5935000001', communeInsee: '59350', epciSiren: MEL, qpvCode: null, typology: 'T3', financing: 'PLUS' };
const lease = (bailleurId: string, caseId: string, leaseId: string) => ({
  eventId: randomUUID(),
  leaseId,
  caseId,
  bailleurId,
  leaseDate: '2026-03-02',
  flat,
  household: {
    numeroUnique: household(bailleurId, caseId),
    composition: { personsAged14OrMore: 1, childrenUnder14: 0 },
    yearlyResources: 9_000,
  },
  reservataireId: null,
  gestionMode: 'directe',
});
const calDecision = (bailleurId: string, caseId: string) => ({
  eventId: randomUUID(),
  caseId,
  bailleurId,
  calDate: '2026-02-10',
  flat,
  candidates: [{ rank: 1, numeroUnique: household('cal', bailleurId, caseId), decision: 'attribution' }],
  reservataireId: null,
});
const convention = (conventionId: string, bailleurId: string, reservataireId: string) => ({
  conventionId,
  bailleurId,
  reservataireId,
  departement: '59',
  period: { startYear: 2025, endYear: 2030 },
  fluxShare: 0.25,
  gestionMode: 'directe',
  signedOn: '2024-12-02',
});

/** Pairs (bailleur, case) that one naive `-` or `:` join makes equal. */
const COLLIDING: ReadonlyArray<readonly [readonly [string, string], readonly [string, string]]> = [
  [
    ['a', 'b-c'],
    ['a-b', 'c'],
  ],
  [
    ['lmh', 'x-1'],
    ['lmh-x', '1'],
  ],
  [
    ['q', 'r:s'],
    ['q-r', 's'],
  ],
  [
    ['t', 'u/v'],
    ['t-u', 'v'],
  ],
];

/** Ids with separators, escapes and look-alike letters, put in every path parameter of every route. */
const HOSTILE_IDS = ['a', 'b-c', 'a-b', 'x:1', 'x%3A1', 'x/1', '%', '%25', '~', 'lmһ', 'ｌmh', 'a..b', '..', 'x y'];

describe('Tenant isolation under colliding identifiers', () => {
  let app: TestApp;
  const keys: Record<string, TestKey> = {};
  const eventCount = async () => Number((await app.db.pool.query<{ n: string }>('SELECT count(*) AS n FROM events')).rows[0]!.n);

  beforeAll(async () => {
    app = await startTestApp();
    const bailleurs = [...new Set(COLLIDING.flatMap((pair) => pair.map(([bailleur]) => bailleur)))];
    await registerOrganisations(app.url, {
      bailleurs,
      reservataires: ['r1', 'r1-a', 'r2'].map((id) => [id, 'collectivite'] as const),
    });
    for (const bailleur of bailleurs) keys[bailleur] = await createKey(app.url, 'bailleur', bailleur);
    for (const reservataire of ['r1', 'r1-a', 'r2']) keys[reservataire] = await createKey(app.url, 'reservataire', reservataire);
    keys.epci = await createKey(app.url, 'epci', MEL);
    keys.etat = await createKey(app.url, 'etat', '59');
    await postJson(`${app.url}/v1/epcis/${MEL}`, {});
  });

  afterAll(async () => {
    await app.close();
  });

  it('records both cases of a colliding pair apart: neither is a 409 naming the other', async () => {
    for (const [[b1, c1], [b2, c2]] of COLLIDING) {
      const first = await postJson(`${app.url}/v1/leases`, lease(b1, c1, `L1-${b1}`), keys[b1]!.auth);
      const second = await postJson(`${app.url}/v1/leases`, lease(b2, c2, `L2-${b2}`), keys[b2]!.auth);
      expect([first.status, second.status]).toEqual([201, 201]);
      expect(first.body.streamId).not.toBe(second.body.streamId);
      expect(JSON.stringify(second.body)).not.toContain(`L1-${b1}`);
    }
  });

  it('refuses cancel, correct and offer-declined on the other bailleur’s case exactly as on one that does not exist', async () => {
    let pairs = 0;
    for (const [[b1, c1], [b2, c2]] of COLLIDING) {
      await postJson(`${app.url}/v1/cal-decisions`, calDecision(b1, `CAL-${c1}`), keys[b1]!.auth);
      const before = await eventCount();
      // b2, with its own key and its own id in the body, addresses b1's lease through the colliding case reference.
      const attempts = [
        {
          path: `/v1/leases/L1-${b1}/cancellation`,
          body: { eventId: randomUUID(), bailleurId: b2, caseId: c2, reason: 'Erreur' },
          missing: {
            path: `/v1/leases/L-NOPE/cancellation`,
            body: { eventId: randomUUID(), bailleurId: b2, caseId: 'NOPE', reason: 'Erreur' },
          },
        },
        {
          path: `/v1/leases/L1-${b1}/corrections`,
          body: { eventId: randomUUID(), reason: 'Avis', lease: { ...lease(b2, c2, `L1-${b1}`), eventId: undefined } },
          missing: {
            path: `/v1/leases/L-NOPE/corrections`,
            body: { eventId: randomUUID(), reason: 'Avis', lease: { ...lease(b2, 'NOPE', 'L-NOPE'), eventId: undefined } },
          },
        },
        {
          path: `/v1/cal-decisions/${encodeURIComponent(`CAL-${c2}`)}/offer-declined`,
          body: {
            eventId: randomUUID(),
            bailleurId: b2,
            numeroUnique: household('cal', b1, `CAL-${c1}`),
            declinedOn: '2026-02-20',
          },
          missing: {
            path: `/v1/cal-decisions/CAL-NOPE/offer-declined`,
            body: { eventId: randomUUID(), bailleurId: b2, numeroUnique: 'nud-nope', declinedOn: '2026-02-20' },
          },
        },
      ];
      for (const attempt of attempts) {
        const refused = await postJson(`${app.url}${attempt.path}`, attempt.body, keys[b2]!.auth);
        const missing = await postJson(`${app.url}${attempt.missing.path}`, attempt.missing.body, keys[b2]!.auth);
        expect({ path: attempt.path, status: refused.status, body: refused.body }).toEqual({
          path: attempt.path,
          status: 404,
          body: missing.body,
        });
        // Naming b1 in the body with b2's key: the same 404, not a 403 that would confirm the case.
        const named = JSON.parse(JSON.stringify(attempt.body).replaceAll(`"bailleurId":"${b2}"`, `"bailleurId":"${b1}"`));
        const viaName = await postJson(`${app.url}${attempt.path}`, { ...named, eventId: randomUUID() }, keys[b2]!.auth);
        expect({ path: attempt.path, status: viaName.status, body: viaName.body }).toEqual({
          path: attempt.path,
          status: 404,
          body: missing.body,
        });
        pairs += 2;
      }
      expect(await eventCount()).toBe(before);
    }
    expect(pairs).toBe(COLLIDING.length * 6);
  });

  it('keeps a convention id in the namespace of its two parties: reusing it is another convention, reading another’s is a plain 404', async () => {
    const first = await postJson(`${app.url}/v1/conventions`, convention('CONV-1', 'a', 'r1'), keys.r1!.auth);
    expect(first.status).toBe(201);
    // Another réservataire, the same id with the same bailleur: its own convention, not a 409 revealing r1's.
    const second = await postJson(`${app.url}/v1/conventions`, convention('CONV-1', 'a', 'r2'), keys.r2!.auth);
    expect(second.status).toBe(201);
    // Colliding parties: (a, r1-a) vs (a-r1, a)… kept apart.
    const third = await postJson(`${app.url}/v1/conventions`, convention('CONV-1', 'a', 'r1-a'), keys['r1-a']!.auth);
    expect(third.status).toBe(201);
    expect(new Set([first.body.streamId, second.body.streamId, third.body.streamId]).size).toBe(3);
    for (const suffix of ['', '/flux?year=2026']) {
      const others = await fetch(`${app.url}/v1/conventions/a/r1/CONV-1${suffix}`, { headers: keys.r2!.auth });
      const missing = await fetch(`${app.url}/v1/conventions/a/r1/CONV-NOPE${suffix}`, { headers: keys.r2!.auth });
      expect({ status: others.status, body: await others.text() }).toEqual({ status: 404, body: await missing.text() });
    }
    const revision = { eventId: randomUUID(), fromYear: 2027, fluxShare: 0.3, reason: 'revoyure' };
    const others = await postJson(`${app.url}/v1/conventions/a/r1/CONV-1/revisions`, revision, keys.r2!.auth);
    const missing = await postJson(`${app.url}/v1/conventions/a/r1/CONV-NOPE/revisions`, revision, keys.r2!.auth);
    expect(others).toEqual({ ...missing, status: 404 });
  });

  it('bounds a write to the caller’s territory in its body too', async () => {
    const before = await eventCount();
    // The État of the Nord names a commune of the Pas-de-Calais in a QPV of the Nord.
    const qpv = await fetch(`${app.url}/v1/qpvs/QN05999Z`, {
      method: 'PUT',
      headers: { ...keys.etat!.auth, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Quartier', list: '2024', communes: ['59350', '62041'] }),
    });
    expect({ status: qpv.status, code: ((await qpv.json()) as { code: string }).code }).toEqual({
      status: 403,
      code: 'TENANT_FORBIDDEN',
    });
    // The MEL registers itself with a commune of the CU d'Arras, or sets a sector there in its CIA.
    const epci = await fetch(`${app.url}/v1/epcis/${MEL}`, {
      method: 'PUT',
      headers: { ...keys.epci!.auth, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'MEL', communes: ['59350', '62041'] }),
    });
    expect(epci.status).toBe(403);
    const cia = await postJson(
      `${app.url}/v1/epcis/${MEL}/cia`,
      {
        adoptedOn: '2026-01-15',
        terms: { period: { startYear: 2026, endYear: 2031 }, sectors: [{ id: 'S1', name: 'Arras', communes: ['62041'] }] },
      },
      keys.epci!.auth,
    );
    expect({ status: cia.status, code: cia.body.code }).toEqual({ status: 403, code: 'TENANT_FORBIDDEN' });
    expect(await eventCount()).toBe(before);
    // Its own communes pass.
    const own = await postJson(
      `${app.url}/v1/epcis/${MEL}/cia`,
      {
        adoptedOn: '2026-01-15',
        terms: { period: { startYear: 2026, endYear: 2031 }, sectors: [{ id: 'S1', name: 'Lille', communes: ['59350'] }] },
      },
      keys.epci!.auth,
    );
    expect(own.status).toBe(201);
    expect(ARRAS).not.toBe(MEL);
  });

  it('puts hostile ids in every path parameter of every route: never a 5xx, nothing written', async () => {
    const routes = routeRules([...CONTROLLERS]).filter((route) => route.path.includes(':') && route.rule !== 'public');
    expect(routes.length).toBeGreaterThan(15);
    const before = await eventCount();
    let calls = 0;
    for (const route of routes) {
      const rule = route.rule as { roles: readonly string[] };
      const role = rule.roles.find((candidate) => candidate !== 'admin') ?? 'admin';
      const key =
        role === 'bailleur'
          ? keys['a-b']!
          : role === 'reservataire'
            ? keys.r2!
            : role === 'epci'
              ? keys.epci!
              : role === 'etat'
                ? keys.etat!
                : null;
      if (!key) continue;
      for (const id of HOSTILE_IDS) {
        const path = route.path.replace(/:([A-Za-z]+)/g, (_match, name: string) =>
          encodeURIComponent(name === 'year' ? '2026' : id),
        );
        const response = await fetch(`${app.url}${path}`, {
          method: route.method,
          headers: { ...key.auth, 'content-type': 'application/json' },
          body: route.method === 'GET' || route.method === 'DELETE' ? undefined : JSON.stringify({ eventId: randomUUID() }),
        });
        const text = await response.text();
        expect({
          route: `${route.method} ${route.path}`,
          id,
          status: response.status < 500 ? 'below 500' : response.status,
        }).toEqual({
          route: `${route.method} ${route.path}`,
          id,
          status: 'below 500',
        });
        expect(text).not.toContain('INTERNAL_ERROR');
        calls += 1;
      }
    }
    expect(await eventCount()).toBe(before);
    expect(calls).toBeGreaterThan(200);
    console.log(
      `identifier torture: ${routes.length} routes with path ids × ${HOSTILE_IDS.length} hostile ids = ${calls} calls held`,
    );
  });
});
