import { randomUUID } from 'node:crypto';
import { adminFetch, createKey, getJson, postJson, startTestApp, type TestApp, waitFor } from '../support/app.js';

function leaseBody(overrides: Record<string, unknown> = {}) {
  return {
    eventId: randomUUID(),
    leaseId: 'BAIL-2026-0001',
    caseId: 'D-2026-0001',
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
    household: {
      // Another household for each lease: the same household, flat and date under another reference is a probable duplicate.
      numeroUnique: `hh-${randomUUID().slice(0, 8)}`,
      composition: { personsAged14OrMore: 1, childrenUnder14: 2 },
      yearlyResources: 9_800,
    },
    flags: { dalo: true },
    reservataireId: 'action-logement',
    gestionMode: 'directe',
    ...overrides,
  };
}

describe('Recording signed leases over HTTP', () => {
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

  it('records a lease as one LeaseSigned event, with who (the bailleur’s key) and how in its metadata', async () => {
    const bailleur = await createKey(app.url, 'bailleur', 'lille-metropole-habitat');
    const body = leaseBody();
    const response = await postJson(`${app.url}/v1/leases`, body, { 'x-correlation-id': 'corr-1', ...bailleur.auth });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({
      eventId: body.eventId,
      streamId: 'attribution:lille-metropole-habitat:D-2026-0001',
      streamVersion: 1,
      alreadyRecorded: false,
    });

    const event = await getJson(`${app.url}/v1/events/${body.eventId}`);
    expect(event.status).toBe(200);
    expect(event.body).toMatchObject({
      type: 'LeaseSigned',
      globalPosition: response.body.position,
      metadata: { actor: `bailleur:lille-metropole-habitat:${bailleur.id}`, correlationId: 'corr-1', source: 'api' },
      data: { leaseId: 'BAIL-2026-0001', flags: { dalo: true, internalMutation: false, priorityCategory: null } },
    });
  });

  it('answers every identical concurrent retry 201 once and 200 otherwise, never 409', async () => {
    const statuses = new Map<number, number>();
    for (let round = 0; round < 30; round += 1) {
      const body = leaseBody({ caseId: `D-RACE-${round}`, leaseId: `BAIL-RACE-${round}` });
      const answers = await Promise.all(Array.from({ length: 12 }, () => postJson(`${app.url}/v1/leases`, body)));
      for (const answer of answers) statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
      expect(answers.filter((answer) => answer.status === 201)).toHaveLength(1);
    }
    expect(Object.fromEntries(statuses)).toEqual({ 201: 30, 200: 330 });
  }, 60_000);

  it('answers a retry of the same event id with the original position, and records nothing more', async () => {
    const body = leaseBody({ caseId: 'D-RETRY', leaseId: 'BAIL-RETRY' });
    const first = await postJson(`${app.url}/v1/leases`, body);
    const before = await eventCount();
    const retry = await postJson(`${app.url}/v1/leases`, body);
    expect(first.status).toBe(201);
    expect(retry.status).toBe(200);
    expect(retry.body).toEqual({ ...first.body, alreadyRecorded: true });
    expect(await eventCount()).toBe(before);
  });

  it('accepts the event id in the Idempotency-Key header', async () => {
    const key = randomUUID();
    const { eventId: _omitted, ...body } = leaseBody({ caseId: 'D-HEADER', leaseId: 'BAIL-HEADER' });
    const response = await postJson(`${app.url}/v1/leases`, body, { 'idempotency-key': key });
    expect(response.status).toBe(201);
    expect(response.body.eventId).toBe(key);
  });

  it('refuses the same event id with other content (409 EVENT_ID_CONFLICT)', async () => {
    const body = leaseBody({ caseId: 'D-CONFLICT', leaseId: 'BAIL-CONFLICT' });
    await postJson(`${app.url}/v1/leases`, body);
    const before = await eventCount();
    const response = await postJson(`${app.url}/v1/leases`, { ...body, leaseDate: '2026-03-03' });
    expect(response.status).toBe(409);
    expect(response.contentType).toContain('application/problem+json');
    expect(response.body).toMatchObject({ status: 409, code: 'EVENT_ID_CONFLICT', eventId: body.eventId });
    expect(await eventCount()).toBe(before);
  });

  it('refuses a second lease on the same case (409 LEASE_ALREADY_SIGNED)', async () => {
    await postJson(`${app.url}/v1/leases`, leaseBody({ caseId: 'D-TWICE', leaseId: 'BAIL-A' }));
    const response = await postJson(`${app.url}/v1/leases`, leaseBody({ caseId: 'D-TWICE', leaseId: 'BAIL-B' }));
    expect(response.status).toBe(409);
    expect(response.body).toMatchObject({ code: 'LEASE_ALREADY_SIGNED', title: 'Un bail est déjà enregistré pour ce dossier.' });
  });

  it('refuses a lease dated in the future (422)', async () => {
    const response = await postJson(`${app.url}/v1/leases`, leaseBody({ caseId: 'D-FUTURE', leaseDate: '2099-01-01' }));
    expect(response.status).toBe(422);
    expect(response.body.code).toBe('LEASE_DATE_IN_FUTURE');
  });

  it('answers bad input with 400, each field with a code and a French message, and writes nothing', async () => {
    const before = await eventCount();
    const body = leaseBody({
      leaseDate: '2026-02-30',
      flat: { rplsId: '59', communeInsee: '5935', epciSiren: '200093201', qpvCode: null, typology: 'T9', financing: 'PLUS' },
      household: {
        numeroUnique: 'hh-7f3a21',
        composition: { personsAged14OrMore: 0, childrenUnder14: 'deux' },
        yearlyResources: -1,
      },
      extra: 'x',
    });
    delete (body as Record<string, unknown>).gestionMode;
    const response = await postJson(`${app.url}/v1/leases`, body);
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('VALIDATION_FAILED');
    const byPath = Object.fromEntries(
      response.body.errors.map((e: { path: string; code: string; message: string }) => [e.path, e]),
    );
    expect(byPath['leaseDate']).toMatchObject({ code: 'INVALID_VALUE', message: expect.stringMatching(/^Date inexistante/) });
    expect(byPath['flat.communeInsee']).toMatchObject({
      code: 'INVALID_FORMAT',
      message: 'Code commune INSEE attendu (5 caractères, ex. 59350).',
    });
    expect(byPath['flat.typology']).toMatchObject({
      code: 'INVALID_VALUE',
      message: 'Valeur non reconnue ; valeur attendue : T1, T2, T3, T4, T5 ou T6+.',
    });
    expect(byPath['household.composition.personsAged14OrMore']).toMatchObject({
      code: 'TOO_SMALL',
      message: 'Au moins une personne de 14 ans ou plus.',
    });
    // Each generic refusal says what to send instead, in French.
    expect(byPath['household.yearlyResources']).toMatchObject({
      code: 'TOO_SMALL',
      message: 'Valeur trop petite : au moins 0 attendu.',
    });
    expect(byPath['household.composition.childrenUnder14']).toMatchObject({
      code: 'INVALID_TYPE',
      message: expect.stringMatching(/^Valeur attendue : un nombre/),
    });
    expect(byPath['gestionMode']).toMatchObject({ code: 'REQUIRED', message: 'Champ obligatoire : ajoutez-le.' });
    expect(byPath['extra']).toMatchObject({ code: 'UNKNOWN_FIELD', message: 'Champ inconnu : « extra ».' });
    expect(await eventCount()).toBe(before);
  });

  it.each([
    [
      'a lease’s financing',
      '/v1/leases',
      'POST',
      { flat: { ...leaseBody().flat, financing: 'PLAII' } },
      'flat.financing',
      'PLAI, PLUS, PLS, PLI ou autre',
    ],
    ['a lease’s gestion mode', '/v1/leases', 'POST', { gestionMode: 'délégué' }, 'gestionMode', 'directe ou deleguee'],
    [
      'a key’s role',
      '/v1/admin/api-keys',
      'POST',
      { role: 'maire', label: 'x' },
      'role',
      'bailleur, epci, reservataire, etat ou admin',
    ],
    [
      'a query parameter',
      '/v1/epcis/200093201/compliance?year=2026&groupBy=ville',
      'GET',
      undefined,
      'groupBy',
      'bailleur, reservataire, secteur ou commune',
    ],
  ])(
    'names the accepted values of an enum field as a French list: %s',
    async (_label, path, method, overrides, field, values) => {
      const response = await adminFetch(`${app.url}${path}`, {
        method,
        ...(overrides
          ? {
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify(path === '/v1/leases' ? leaseBody(overrides) : overrides),
            }
          : {}),
      });
      expect(response.status).toBe(400);
      const body = (await response.json()) as { errors: { message: string }[] };
      expect(body.errors).toEqual([
        {
          path: field,
          code: 'INVALID_VALUE',
          message: expect.stringContaining(`Valeur non reconnue ; valeur attendue : ${values}`),
        },
      ]);
      expect(body.errors[0].message).not.toMatch(/["|]/);
    },
  );

  it('answers one problem per field and cause to an oversized number, with the field’s own bound', async () => {
    const household = leaseBody().household;
    const composition = { personsAged14OrMore: 1e30, childrenUnder14: 0 };
    const response = await postJson(`${app.url}/v1/leases`, leaseBody({ household: { ...household, composition } }));
    expect(response.status).toBe(400);
    // Not zod's safe-integer bound (9007199254740991) beside the field's own: one problem, the one to act on.
    expect(response.body.errors).toEqual([
      { path: 'household.composition.personsAged14OrMore', code: 'TOO_BIG', message: 'Valeur trop grande : au plus 30 attendu.' },
    ]);
    // Past what JSON reads as a number (1e400 is Infinity): said so, not « un nombre attendu ; reçu : un nombre ».
    const huge = JSON.stringify(leaseBody()).replace('"yearlyResources":9800', '"yearlyResources":1e400');
    const infinite = await postJson(`${app.url}/v1/leases`, huge);
    expect(infinite.body.errors).toEqual([
      {
        path: 'household.yearlyResources',
        code: 'INVALID_TYPE',
        message: expect.stringMatching(/^Nombre hors limites.*sans exposant/),
      },
    ]);
  });

  it('answers malformed JSON with 400', async () => {
    expect((await postJson(`${app.url}/v1/leases`, '{"leaseId": ')).body).toMatchObject({ status: 400, code: 'MALFORMED_JSON' });
    const { eventId: _omitted, ...body } = leaseBody({ caseId: 'D-BADID' });
    const response = await postJson(`${app.url}/v1/leases`, { ...body, eventId: 'not-a-uuid' });
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([expect.objectContaining({ path: 'eventId', code: 'INVALID_FORMAT' })]);
  });

  it('refuses a numéro unique a spreadsheet damaged (leading zero lost, digits after the 15th zeroed), as the import does', async () => {
    const before = await eventCount();
    // Spaced as a spreadsheet groups digits, or as someone retyped it: the same 17 digits.
    for (const [index, numeroUnique] of [
      '59122700012345600',
      '5.91227E+16',
      '59 122 700 012 345 600',
      '5912 2700 0000 0123 0',
      '59\u202f122\u202f700\u202f012\u202f345\u202f600',
    ].entries()) {
      const body = leaseBody({ caseId: `D-NU-${index}`, leaseId: `BAIL-NU-${index}` });
      const response = await postJson(`${app.url}/v1/leases`, {
        ...body,
        household: { ...(body.household as object), numeroUnique },
      });
      expect(response.status).toBe(400);
      expect(response.body.errors).toEqual([
        expect.objectContaining({
          path: 'household.numeroUnique',
          code: 'SPREADSHEET_DAMAGE',
          message: expect.stringContaining('tableur'),
        }),
      ]);
    }
    expect(await eventCount()).toBe(before);
  });

  it('gives a lease sent without an event id one derived from its content: sent again it is a retry, changed it is another lease', async () => {
    const { eventId: _omitted, ...body } = leaseBody({ caseId: 'D-NOID', leaseId: 'BAIL-NOID' });
    const before = await eventCount();
    const first = await postJson(`${app.url}/v1/leases`, body);
    expect(first.status).toBe(201);
    const again = await postJson(`${app.url}/v1/leases`, body);
    expect(again.status).toBe(200);
    expect(again.body.eventId).toBe(first.body.eventId);
    const changed = await postJson(`${app.url}/v1/leases`, { ...body, leaseDate: '2026-03-03' });
    expect(changed.status).toBe(409);
    expect(changed.body.code).toBe('LEASE_ALREADY_SIGNED');
    expect(await eventCount()).toBe(before + 1);
  });

  it('counts signed leases by bailleur, réservataire and QPV side in the summary, with its freshness', async () => {
    const epci = '200093201';
    const qpv = await adminFetch(`${app.url}/v1/qpvs/QN05901M`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Lille Sud', list: '2024', communes: ['59350', '59009'] }),
    });
    expect(qpv.status).toBe(201);
    const leases = [
      { bailleurId: 'vilogia', reservataireId: 'action-logement', qpvCode: 'QN05901M', leaseDate: '2026-01-10' },
      { bailleurId: 'vilogia', reservataireId: null, qpvCode: null, leaseDate: '2026-02-10' },
      { bailleurId: 'partenord', reservataireId: 'action-logement', qpvCode: null, leaseDate: '2026-03-10' },
      { bailleurId: 'partenord', reservataireId: 'etat-59', qpvCode: null, leaseDate: '2025-12-31' },
    ];
    let last = 0;
    for (const [i, lease] of leases.entries()) {
      const response = await postJson(
        `${app.url}/v1/leases`,
        leaseBody({
          caseId: `D-SUM-${i}`,
          leaseId: `BAIL-SUM-${i}`,
          bailleurId: lease.bailleurId,
          reservataireId: lease.reservataireId,
          leaseDate: lease.leaseDate,
          flat: {
            rplsId: `59${i}`,
            communeInsee: '59009',
            epciSiren: epci,
            qpvCode: lease.qpvCode,
            typology: 'T2',
            financing: 'PLAI',
          },
        }),
      );
      expect(response.status).toBe(201);
      last = response.body.position;
    }
    const summary = await waitFor(
      () => getJson(`${app.url}/v1/epcis/${epci}/leases/summary?year=2026`),
      (r) => r.body.freshness.position >= last,
    );
    // Earlier specs of this file signed 2026 leases in the MEL too (lille-metropole-habitat).
    const earlier =
      summary.body.byBailleur.find((b: { bailleurId: string }) => b.bailleurId === 'lille-metropole-habitat')?.leases ?? 0;
    expect(summary.body).toMatchObject({
      epciSiren: epci,
      year: 2026,
      total: 3 + earlier,
      qpv: { inQpv: 1, outsideQpv: 2 + earlier },
    });
    expect(summary.body.byBailleur).toEqual(
      expect.arrayContaining([
        { bailleurId: 'partenord', leases: 1, inQpv: 0, outsideQpv: 1 },
        { bailleurId: 'vilogia', leases: 2, inQpv: 1, outsideQpv: 1 },
      ]),
    );
    expect(summary.body.byReservataire).toEqual(
      expect.arrayContaining([{ reservataireId: null, leases: 1, inQpv: 0, outsideQpv: 1 }]),
    );
    expect(summary.body.freshness.lastEventAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);

    const csv = await adminFetch(`${app.url}/v1/epcis/${epci}/leases/summary?year=2026`, { headers: { accept: 'text/csv' } });
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const bytes = Buffer.from(await csv.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.subarray(3).toString('utf8');
    expect(
      text.startsWith('EPCI;SIREN de l’EPCI;Année;Regroupement;Nom;Identifiant;Baux signés;Dont en QPV;Dont hors QPV\r\n'),
    ).toBe(true);
    expect(text).toContain(`Métropole Européenne de Lille;${epci};2026;Total;;;${3 + earlier};1;${2 + earlier}\r\n`);
    expect(text).toContain(`Métropole Européenne de Lille;${epci};2026;Bailleur;Bailleur vilogia;vilogia;2;1;1\r\n`);
    expect(text).toContain(`Métropole Européenne de Lille;${epci};2026;Réservataire;Non réservé;;1;0;1\r\n`);
  });

  it('reports database, projector lag and the idle Kafka relay on /health', async () => {
    const health = await waitFor(
      () => getJson(`${app.url}/health`),
      (r) => r.body.projector?.lag === 0 && r.body.alertMonitor?.lag === 0,
    );
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({
      status: 'ok',
      database: { status: 'up' },
      projector: { mode: 'in-process', lag: 0 },
      alertMonitor: { lag: 0 },
      kafkaRelay: { state: 'disabled' },
    });
    expect(health.body.projector.projections.map((p: { name: string; lag: number }) => [p.name, p.lag])).toEqual([
      ['lease_summary', 0],
      ['compliance', 0],
      ['alerts', 0],
      ['flux', 0],
    ]);
    expect(health.body.headPosition).toBeGreaterThan(0);
    expect(health.body.kafkaRelay.lag).toBe(health.body.headPosition);
    expect(health.body.kafkaRelay.reason).toContain('KAFKA_BROKERS');
  });

  it('serves the OpenAPI document', async () => {
    const { status, body } = await getJson(`${app.url}/docs/openapi.json`);
    expect(status).toBe(200);
    expect(Object.keys(body.paths)).toEqual(
      expect.arrayContaining(['/v1/leases', '/v1/epcis/{epci}/leases/summary', '/health', '/v1/events/{eventId}']),
    );
  });
});
