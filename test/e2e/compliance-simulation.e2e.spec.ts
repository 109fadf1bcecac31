import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { FIXTURE_LEASES, MEL, QPV_2024, THRESHOLD_2026 } from '../fixtures/compliance-mel-2026.js';
import { adminFetch, createKey, getJson, postJson, startTestApp, type TestApp, waitFor } from '../support/app.js';
import { leaseRequest } from '../support/lease-requests.js';

const ARRAS = '200033579';
const LEASE_DATE = '2026-11-20';
const LMH_FLAT = {
  rplsId: '5935009001',
  communeInsee: '59350',
  epciSiren: MEL,
  qpvCode: null,
  typology: 'T3',
  financing: 'PLUS',
};
const VILOGIA_FLAT = { ...LMH_FLAT, rplsId: '5935009002' };

type Figure = Record<string, unknown> & { numerator: number | null; denominator: number | null; rate: number | null };
type SimulatedScope = {
  objective: string;
  scope: { kind: string; id: string };
  before: Figure;
  after: Figure;
  changePoints: number | null;
  crossing: string | null;
};
type FluxFigures = Record<string, unknown> & { counted: { total: number | null }; target: number; status: string };
type SimulatedFlux = {
  conventionId: string;
  countedAs: string | null;
  before: FluxFigures;
  after: FluxFigures;
  changePoints: number | null;
  crossing: string | null;
  limitsCrossed: string[];
};
type Simulation = {
  recorded: false;
  asOf: { position: number };
  candidates: Array<{ rank: number; reading: Record<string, unknown>; scopes: SimulatedScope[]; flux: SimulatedFlux | null }>;
  statisticalSecrecy?: { threshold: number };
};

const candidate = (rank: number, over: Record<string, unknown> = {}) => ({
  rank,
  composition: { personsAged14OrMore: 1, childrenUnder14: 2 },
  yearlyResources: 9_800,
  flags: { dalo: true },
  reservataireId: 'action-logement',
  ...over,
});

describe('Simulating an attribution at the CAL (POST /v1/epcis/{siren}/compliance/simulations)', () => {
  let app: TestApp;
  let position = 0;

  // The alert monitor may still raise alerts on the facts the suite recorded: every other event counts.
  const countEvents = async () =>
    Number(
      (await app.db.pool.query("SELECT count(*) AS n FROM events WHERE event_type NOT IN ('AlertRaised', 'AlertResolved')"))
        .rows[0].n,
    );
  const simulate = (body: unknown, auth: Record<string, string> = {}, siren = MEL) =>
    postJson(`${app.url}/v1/epcis/${siren}/compliance/simulations`, body, auth);
  const compliance = (groupBy: string) =>
    waitFor(
      () => getJson(`${app.url}/v1/epcis/${MEL}/compliance?year=2026&groupBy=${groupBy}`),
      (r) => r.status === 200 && r.body.freshness.position >= position,
    );

  const conventionFlux = () =>
    waitFor(
      () => getJson(`${app.url}/v1/conventions/lmh/action-logement/ALS-LMH-SIM/flux?year=2026`),
      (r) => r.status === 200 && r.body.freshness.position >= position,
    );

  beforeAll(async () => {
    app = await startTestApp();
    const put = (path: string, body: unknown) =>
      adminFetch(`${app.url}${path}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await put(`/v1/qpvs/${QPV_2024}`, { name: 'Lille Sud', list: '2024', communes: ['59350'] })).status).toBe(201);
    await postJson(`${app.url}/v1/epcis/${MEL}/quartile-thresholds`, {
      year: 2026,
      amountPerUc: THRESHOLD_2026,
      source: 'Arrêté',
    });
    for (const lease of FIXTURE_LEASES) {
      const response = await postJson(`${app.url}/v1/leases`, { eventId: randomUUID(), ...leaseRequest(lease) });
      expect(response.status).toBe(201);
      position = Math.max(position, response.body.position);
    }
    // One lease of 2025: the previous year the forecast learns its seasonality from.
    const lastYear = FIXTURE_LEASES[0]!;
    const previous = await postJson(`${app.url}/v1/leases`, {
      eventId: randomUUID(),
      ...leaseRequest({ ...lastYear, leaseId: 'L-2025', caseId: 'C-2025', leaseDate: '2025-09-15' }),
    });
    expect(previous.status).toBe(201);
    for (const [bailleurId, flat] of [
      ['lmh', LMH_FLAT],
      ['vilogia', VILOGIA_FLAT],
    ] as const) {
      const released = await postJson(`${app.url}/v1/flux/releases`, {
        eventId: randomUUID(),
        bailleurId,
        rplsId: flat.rplsId,
        departement: '59',
        communeInsee: '59350',
        epciSiren: MEL,
        releasedOn: '2026-10-01',
        inNetBase: true,
      });
      expect(released.status).toBe(201);
      position = Math.max(position, released.body.position);
    }
    // lmh's convention with Action Logement in the Nord: 3 leases a year (annual volume).
    const signed = await postJson(`${app.url}/v1/conventions`, {
      conventionId: 'ALS-LMH-SIM',
      bailleurId: 'lmh',
      reservataireId: 'action-logement',
      departement: '59',
      period: { startYear: 2025, endYear: 2030 },
      annualVolume: 3,
      gestionMode: 'directe',
      signedOn: '2024-12-02',
    });
    expect(signed.status).toBe(201);
    position = Math.max(position, signed.body.position);
    await compliance('bailleur');
    await conventionFlux();
  }, 180_000);

  afterAll(async () => {
    await app.close();
  });

  it('gives each candidate the figures it moves, before and after, with the change in points and any crossing of the target', async () => {
    const response = await simulate({
      bailleurId: 'lmh',
      leaseDate: LEASE_DATE,
      flat: LMH_FLAT,
      candidates: [candidate(1), candidate(2, { yearlyResources: 40_000, flags: {}, reservataireId: null })],
    });
    expect(response.status).toBe(200);
    const view = response.body as Simulation;
    expect(view.recorded).toBe(false);
    const [first, second] = view.candidates;
    // 9 800 € for 1.6 UC: Q1, DALO, on Action Logement's flux.
    expect(first!.reading).toMatchObject({ q1: 'q1', priority: true, countsFor: 'action-logement', resourcesPerUc: 6_125 });
    const line = (s: SimulatedScope) => [
      `${s.objective} ${s.scope.kind}:${s.scope.id}`,
      s.before.numerator,
      s.before.denominator,
      s.after.numerator,
      s.after.denominator,
    ];
    // The fixture outside QPV: HQ1 4 of 7 (lmh 2 of 4); PRIO 3 of 12 (lmh × Action Logement 1 of 2).
    expect(first!.scopes.map(line)).toEqual([
      [`HQ1 epci:${MEL}`, 4, 7, 5, 8],
      ['HQ1 bailleur:lmh', 2, 4, 3, 5],
      ['HQ1 reservataire:action-logement', 1, 2, 2, 3],
      ['HQ1 secteur:hors_secteur', 4, 7, 5, 8],
      [`PRIO epci:${MEL}`, 3, 12, 4, 13],
      ['PRIO bailleur:lmh', 2, 6, 3, 7],
      ['PRIO secteur:hors_secteur', 3, 12, 4, 13],
      ['PRIO reservataire:action-logement', 1, 4, 2, 5],
      ['PRIO bailleur_reservataire:lmh:action-logement', 1, 2, 2, 3],
    ]);
    // lmh × Action Logement: 50 % → 66.7 %; lmh's HQ1: 50 % → 60 %.
    const hq1Lmh = first!.scopes.find((s) => s.objective === 'HQ1' && s.scope.id === 'lmh')!;
    expect(hq1Lmh.changePoints).toBeCloseTo(10, 10);
    // A household above the quartile and not priority: HQ1 and PRIO go down; lmh's own stock stays at 0 of 4.
    const prioOwnStock = second!.scopes.find((s) => s.scope.id === 'lmh:non_reserve')!;
    expect([prioOwnStock.before.numerator, prioOwnStock.before.denominator, prioOwnStock.after.denominator]).toEqual([0, 3, 4]);
    const hq1Epci = second!.scopes.find((s) => s.objective === 'HQ1' && s.scope.kind === 'epci')!;
    expect([hq1Epci.after.numerator, hq1Epci.after.denominator]).toEqual([4, 8]);
    // The lease would count on lmh's convention with Action Logement: 2 of the 3 leases owed → 3, the commitment reached.
    expect(first!.flux).toMatchObject({
      conventionId: 'ALS-LMH-SIM',
      countedAs: 'bailSigne',
      before: { counted: { bailSigne: 2, total: 2 }, target: 3, netBase: 1, realisedShare: 2, status: 'en_retard' },
      after: { counted: { bailSigne: 3, total: 3 }, target: 3, realisedShare: 3, status: 'atteint' },
      changePoints: 100,
      crossing: 'vers_atteint',
      limitsCrossed: [],
    });
    // Non réservé: no convention's flux.
    expect(second!.flux).toBeNull();
    // Nothing but figures: no household number, no trajectory.
    expect(JSON.stringify(view)).not.toMatch(/numeroUnique|monthly/);
  });

  it('never records anything, whatever it is sent (event counts)', async () => {
    const before = await countEvents();
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            rank: fc.integer({ min: 0, max: 11 }),
            yearlyResources: fc.option(fc.integer({ min: -10, max: 60_000 }), { nil: null }),
            reservataireId: fc.constantFrom(null, 'action-logement', 'inconnu', 'etat-59'),
          }),
          { minLength: 0, maxLength: 12 },
        ),
        fc.constantFrom(LMH_FLAT, VILOGIA_FLAT, { ...LMH_FLAT, qpvCode: QPV_2024 }, { ...LMH_FLAT, communeInsee: '62041' }),
        async (candidates, flat) => {
          const response = await simulate({
            bailleurId: 'lmh',
            leaseDate: LEASE_DATE,
            flat,
            candidates: candidates.map((c) => candidate(c.rank, c)),
          });
          expect([200, 400, 404, 422]).toContain(response.status);
        },
      ),
      { numRuns: 40 },
    );
    expect(await countEvents()).toBe(before);
  });

  it('lets a bailleur simulate on its own flats only, showing its own scopes whole and the others under secrecy', async () => {
    const lmh = await createKey(app.url, 'bailleur', 'lmh');
    const own = await simulate(
      { bailleurId: 'lmh', leaseDate: LEASE_DATE, flat: LMH_FLAT, candidates: [candidate(1)] },
      lmh.auth,
    );
    expect(own.status).toBe(200);
    const view = own.body as Simulation;
    expect(view.statisticalSecrecy).toMatchObject({ threshold: 5 });
    const scopes = view.candidates[0]!.scopes;
    const find = (objective: string, kind: string) => scopes.find((s) => s.objective === objective && s.scope.kind === kind)!;
    // Its own scope whole: lmh's HQ1 2 of 4 → 3 of 5.
    expect(find('HQ1', 'bailleur')).toMatchObject({
      before: { numerator: 2, denominator: 4, masked: [] },
      after: { numerator: 3, denominator: 5, masked: [] },
    });
    // The EPCI's HQ1 (4 of 7 → 5 of 8): 4 and 3 are secret, so the numerator, the rate and the change are masked.
    expect(find('HQ1', 'epci')).toMatchObject({
      before: { numerator: null, denominator: 7, rate: null },
      changePoints: null,
      crossing: null,
    });
    expect(find('HQ1', 'epci').before.masked).toEqual(expect.arrayContaining(['numerator', 'rate']));
    // Its after (5 of 8) is masked alike: one lease apart, a shown 5 would give the masked 4 away.
    expect(find('HQ1', 'epci').after).toMatchObject({ numerator: null, denominator: 8, rate: null });
    // Every scope's before and after share their secret statistique.
    for (const scope of scopes)
      expect([scope.objective, scope.scope, [...(scope.after.masked as string[])].sort()]).toEqual([
        scope.objective,
        scope.scope,
        [...(scope.before.masked as string[])].sort(),
      ]);
    // Action Logement's HQ1 (1 of 2 → 2 of 3) is nobody's to see in detail.
    expect(find('HQ1', 'reservataire')).toMatchObject({ before: { numerator: null, denominator: null } });

    // Another bailleur's flat: the 404 of a flat that does not exist, nothing read.
    const body = { bailleurId: 'vilogia', leaseDate: LEASE_DATE, flat: VILOGIA_FLAT, candidates: [candidate(1)] };
    const other = await simulate(body, lmh.auth);
    const missing = await simulate({ ...body, bailleurId: 'lmh', flat: { ...LMH_FLAT, rplsId: '5935000404' } }, lmh.auth);
    expect([other.status, other.body.code]).toEqual([404, 'FLAT_NOT_FOUND']);
    expect(other.body).toEqual(missing.body);
    // Its own id with the other's flat: not its flat either.
    expect((await simulate({ ...body, bailleurId: 'lmh' }, lmh.auth)).status).toBe(404);
    // The EPCI, the État of its département and the bailleur that released the flat see it; another EPCI does not.
    const epci = await simulate(body, (await createKey(app.url, 'epci', MEL)).auth);
    expect(epci.status).toBe(200);
    expect(epci.body.statisticalSecrecy).toBeUndefined();
    expect((await simulate(body, (await createKey(app.url, 'etat', '59')).auth)).status).toBe(200);
    expect((await simulate(body, (await createKey(app.url, 'bailleur', 'vilogia')).auth)).status).toBe(200);
    expect((await simulate(body, (await createKey(app.url, 'epci', ARRAS)).auth)).body.code).toBe('FLAT_NOT_FOUND');
    // A flat never released is unknown to the EPCI and to admin too.
    const unreleased = { ...body, flat: { ...VILOGIA_FLAT, rplsId: '5935000405' } };
    expect((await simulate(unreleased, (await createKey(app.url, 'epci', MEL)).auth)).body.code).toBe('FLAT_NOT_FOUND');
    expect((await simulate(unreleased, (await createKey(app.url, 'admin', null)).auth)).body.code).toBe('FLAT_NOT_FOUND');
    expect((await simulate(body, (await createKey(app.url, 'reservataire', 'action-logement')).auth)).body.code).toBe(
      'ROLE_FORBIDDEN',
    );
  });

  it('refuses a bad body with a French message naming the field, and a lease the rules would refuse', async () => {
    const base = { bailleurId: 'lmh', leaseDate: LEASE_DATE, flat: LMH_FLAT };
    const eleven = await simulate({ ...base, candidates: Array.from({ length: 11 }, (_, i) => candidate(i + 1)) });
    expect(eleven.status).toBe(400);
    expect(eleven.body.errors[0]).toMatchObject({ path: 'candidates', message: expect.stringContaining('au plus 10') });
    const withNumber = await simulate({ ...base, candidates: [{ ...candidate(1), numeroUnique: '0591227000123' }] });
    expect(withNumber.body.errors).toEqual([
      expect.objectContaining({ path: 'candidates.0.numeroUnique', code: 'UNKNOWN_FIELD' }),
    ]);
    const sameRank = await simulate({ ...base, candidates: [candidate(1), candidate(1)] });
    expect(sameRank.body.errors[0]).toMatchObject({ path: 'candidates', message: expect.stringContaining('rang') });
    const elsewhere = await simulate({ ...base, flat: { ...LMH_FLAT, epciSiren: ARRAS }, candidates: [candidate(1)] });
    expect(elsewhere.body.errors[0]).toMatchObject({ path: 'flat.epciSiren', message: expect.stringContaining(MEL) });
    const unknown = await simulate({ ...base, candidates: [candidate(1, { reservataireId: 'action-logment' })] });
    expect([unknown.status, unknown.body.code]).toEqual([422, 'RESERVATAIRE_NOT_REGISTERED']);
    const future = await simulate({ ...base, leaseDate: '2099-01-01', candidates: [candidate(1)] });
    expect([future.status, future.body.code]).toEqual([422, 'LEASE_DATE_IN_FUTURE']);
  });

  it('forecasts each objective and scope on 31 December, with an interval and the probability of reaching the target', async () => {
    const response = await getJson(`${app.url}/v1/epcis/${MEL}/compliance/forecast?year=2026&groupBy=bailleur`);
    expect(response.status).toBe(200);
    expect(response.body.level).toBe(0.9);
    const scope = (objective: string, kind: string, id: string) =>
      response.body.objectives
        .find((o: { id: string }) => o.id === objective)
        .scopes.find((s: { scope: { kind: string; id: string } }) => s.scope.kind === kind && s.scope.id === id);
    // HQ1 of the MEL: 4 of 7 so far; its 2025 months teach the seasonality.
    const hq1 = scope('HQ1', 'epci', MEL);
    expect(hq1.figure).toMatchObject({ numerator: 4, denominator: 7 });
    expect(hq1.figure.monthly).toBeUndefined();
    expect(hq1.forecast).toMatchObject({ seasonality: 'history', historyYears: 1 });
    const { expectedRate, interval, probabilityOfTarget } = hq1.forecast;
    expect(interval.low).toBeLessThanOrEqual(expectedRate);
    expect(expectedRate).toBeLessThanOrEqual(interval.high);
    expect(probabilityOfTarget).toBeGreaterThan(0.5);
    // QNQ1 of vilogia (no lease in 2025): the calendar pace; the bailleurs share the EPCI's year-end volume.
    const qnq1 = scope('QNQ1', 'bailleur', 'vilogia');
    expect(qnq1.forecast.seasonality).toBe('uniform');
    const qnq1Bailleurs = response.body.objectives
      .find((o: { id: string }) => o.id === 'QNQ1')
      .scopes.filter((s: { scope: { kind: string } }) => s.scope.kind === 'bailleur');
    expect(
      qnq1Bailleurs.reduce(
        (sum: number, s: { forecast: { expectedYearEndDenominator: number } }) => sum + s.forecast.expectedYearEndDenominator,
        0,
      ),
    ).toBe(scope('QNQ1', 'epci', MEL).forecast.expectedYearEndDenominator);
    // A bailleur: its own scopes forecast, the EPCI's masked with the counts they are computed on.
    const lmh = await createKey(app.url, 'bailleur', 'lmh');
    const shared = await getJson(`${app.url}/v1/epcis/${MEL}/compliance/forecast?year=2026&groupBy=bailleur`, lmh.auth);
    const hq1Scopes = shared.body.objectives.find((o: { id: string }) => o.id === 'HQ1').scopes;
    expect(hq1Scopes.map((s: { scope: { id: string }; forecast: unknown }) => [s.scope.id, s.forecast === null])).toEqual([
      [MEL, true],
      ['lmh', false],
    ]);
    // Excel: French headers.
    const csv = await adminFetch(`${app.url}/v1/epcis/${MEL}/compliance/forecast?year=2026&format=csv`);
    expect(await csv.text()).toContain(
      'Taux attendu au 31/12 (%);Borne basse (90 %);Borne haute (90 %);Probabilité d’atteindre la cible (%)',
    );
    // Another EPCI's key: the 404 of the compliance read.
    const arras = await createKey(app.url, 'epci', ARRAS);
    expect((await getJson(`${app.url}/v1/epcis/${MEL}/compliance/forecast?year=2026`, arras.auth)).status).toBe(404);
  });

  // Last: it records leases (the other specs read the fixture alone).
  it('gives exactly the figures the compliance read shows once the simulated lease is signed (property)', async () => {
    const reservataires = [null, 'action-logement', 'etat-59', 'mel'] as const;
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          composition: fc.record({
            personsAged14OrMore: fc.integer({ min: 1, max: 4 }),
            childrenUnder14: fc.integer({ min: 0, max: 4 }),
          }),
          yearlyResources: fc.option(fc.integer({ min: 0, max: 60_000 }), { nil: null, freq: 5 }),
          flags: fc.record({
            dalo: fc.boolean(),
            priorityCategory: fc.constantFrom(null, 'L441-1 a'),
            relogeRenouvellementUrbain: fc.boolean(),
            internalMutation: fc.boolean(),
          }),
          reservataireId: fc.constantFrom(...reservataires),
        }),
        fc.boolean(),
        async (household, inQpv) => {
          const flat = { ...LMH_FLAT, qpvCode: inQpv ? QPV_2024 : null };
          const simulated = await simulate({
            bailleurId: 'lmh',
            leaseDate: LEASE_DATE,
            flat,
            candidates: [{ rank: 1, ...household }],
          });
          expect(simulated.status).toBe(200);
          const id = randomUUID();
          const signed = await postJson(`${app.url}/v1/leases`, {
            eventId: randomUUID(),
            leaseId: `L-${id}`,
            caseId: `C-${id}`,
            bailleurId: 'lmh',
            leaseDate: LEASE_DATE,
            flat,
            household: {
              numeroUnique: `nud-${id}`,
              composition: household.composition,
              yearlyResources: household.yearlyResources,
            },
            flags: household.flags,
            reservataireId: household.reservataireId,
            gestionMode: 'directe',
          });
          expect(signed.status).toBe(201);
          position = signed.body.position;
          const reads = await Promise.all(['bailleur', 'reservataire', 'secteur'].map(compliance));
          // The convention's flux: the simulated figures are those its read gives once the lease is signed.
          const flux = (simulated.body as Simulation).candidates[0]!.flux;
          if (flux) {
            const { freshness: _f, agreement: _a, departement: _d, ...read } = (await conventionFlux()).body;
            const { status: _status, ...after } = flux.after;
            expect(after).toEqual(read);
          } else {
            expect(household.reservataireId === 'action-logement' && !household.flags.internalMutation).toBe(false);
          }
          for (const { objective, scope, after } of (simulated.body as Simulation).candidates[0]!.scopes) {
            const figure = reads
              .flatMap((read) => read.body.objectives)
              .filter((o: { id: string }) => o.id === objective)
              .flatMap((o: { scopes: Array<SimulatedScope & { figure: Figure }> }) => o.scopes)
              .find((s: SimulatedScope) => s.scope.kind === scope.kind && s.scope.id === scope.id)?.figure;
            expect(figure).toBeDefined();
            const { monthly: _monthly, ...read } = figure as Figure & { monthly: unknown };
            expect({ objective, scope, figure: read }).toEqual({ objective, scope, figure: after });
          }
        },
      ),
      { numRuns: 6 },
    );
  }, 180_000);
});
