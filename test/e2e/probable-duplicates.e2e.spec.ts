import { randomUUID } from 'node:crypto';
import { adminFetch, getJson, postJson, startTestApp, type TestApp, waitFor } from '../support/app.js';

/**
 * The same lease (household, flat, lease date) sent again under another reference would count
 * twice: it is refused quoting the lease recorded first, unless the bailleur confirms it is
 * another lease; two such sends at once record exactly one.
 */
describe('Probable duplicates of a lease', () => {
  const MEL = '200093201';
  let app: TestApp;

  const lease = (leaseId: string, caseId: string, over: { household?: string; rpls?: string; date?: string } = {}) => ({
    eventId: randomUUID(),
    leaseId,
    caseId,
    bailleurId: 'lmh',
    leaseDate: over.date ?? '2026-03-02',
    flat: {
      rplsId: over.rpls ?? 'RDUP1',
      communeInsee: '59350',
      epciSiren: MEL,
      qpvCode: null,
      typology: 'T3',
      financing: 'PLUS',
    },
    household: {
      numeroUnique: over.household ?? '0591227000900',
      composition: { personsAged14OrMore: 1, childrenUnder14: 0 },
      yearlyResources: 5_000,
    },
    reservataireId: null,
    gestionMode: 'directe',
  });

  const leaseEvents = async () =>
    Number((await app.db.pool.query(`SELECT count(*) FROM events WHERE event_type = 'LeaseSigned'`)).rows[0].count);

  beforeAll(async () => {
    app = await startTestApp();
    expect((await postJson(`${app.url}/v1/leases`, lease('B-1', 'D-1'))).status).toBe(201);
  });

  afterAll(async () => {
    await app.close();
  });

  it('refuses the same lease under another reference with 409, quoting the existing reference and how to confirm', async () => {
    const before = await leaseEvents();
    const refused = await postJson(`${app.url}/v1/leases`, lease('B-1-BIS', 'D-1-BIS'));
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({
      code: 'LEASE_PROBABLE_DUPLICATE',
      details: { existingLeaseId: 'B-1', existingCaseId: 'D-1' },
    });
    expect(refused.body.detail).toContain('B-1 (dossier D-1)');
    expect(refused.body.detail).toContain('"confirmeDoublon": true');
    expect(await leaseEvents()).toBe(before);
    // Under another reference in the same case, too.
    expect((await postJson(`${app.url}/v1/leases`, lease('B-1-TER', 'D-1'))).body.code).toBe('LEASE_ALREADY_SIGNED');
  });

  it('takes another household, flat or date as another lease', async () => {
    for (const over of [{ household: '0591227000901' }, { rpls: 'RDUP2' }, { date: '2026-03-03' }]) {
      expect((await postJson(`${app.url}/v1/leases`, lease(`B-${randomUUID()}`, `D-${randomUUID()}`, over))).status).toBe(201);
    }
  });

  it('records it when the bailleur confirms, with the lease it repeats in the event', async () => {
    const body = { ...lease('B-1-CONF', 'D-1-CONF'), confirmeDoublon: true };
    const accepted = await postJson(`${app.url}/v1/leases`, body);
    expect(accepted.status).toBe(201);
    const event = await getJson(`${app.url}/v1/events/${accepted.body.eventId}`);
    expect(event.body.data).toMatchObject({ leaseId: 'B-1-CONF', confirmedDuplicateOf: [{ leaseId: 'B-1', caseId: 'D-1' }] });
    expect(event.body.data).not.toHaveProperty('confirmeDoublon');
    // The same request again is a retry, not a new duplicate.
    const retried = await postJson(`${app.url}/v1/leases`, body);
    expect([retried.status, retried.body.eventId]).toEqual([200, accepted.body.eventId]);
  });

  it('accepts the lease again once the first is cancelled', async () => {
    const first = lease('B-5', 'D-5', { household: '0591227000905' });
    expect((await postJson(`${app.url}/v1/leases`, first)).status).toBe(201);
    expect((await postJson(`${app.url}/v1/leases`, lease('B-5-BIS', 'D-5-BIS', { household: '0591227000905' }))).status).toBe(
      409,
    );
    const cancelled = await postJson(`${app.url}/v1/leases/B-5/cancellation`, {
      eventId: randomUUID(),
      bailleurId: 'lmh',
      caseId: 'D-5',
      reason: 'saisi deux fois',
    });
    expect(cancelled.status).toBe(201);
    expect((await postJson(`${app.url}/v1/leases`, lease('B-5-BIS', 'D-5-BIS', { household: '0591227000905' }))).status).toBe(
      201,
    );
  });

  it('refuses a correction that turns a lease into a copy of another, unless confirmed; other corrections pass', async () => {
    expect((await postJson(`${app.url}/v1/leases`, lease('B-7', 'D-7', { household: '0591227000907' }))).status).toBe(201);
    const moved = lease('B-8', 'D-8', { household: '0591227000907', date: '2026-03-09' });
    expect((await postJson(`${app.url}/v1/leases`, moved)).status).toBe(201);
    const correct = (body: object) =>
      postJson(`${app.url}/v1/leases/B-8/corrections`, { eventId: randomUUID(), reason: 'date erronée', lease: body });
    const { eventId: _ignored, ...sameDate } = { ...moved, leaseDate: '2026-03-02' };
    const before = await leaseEvents();
    const refused = await correct(sameDate);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({
      code: 'LEASE_PROBABLE_DUPLICATE',
      details: { existingLeaseId: 'B-7', existingCaseId: 'D-7' },
    });
    expect(await leaseEvents()).toBe(before);
    const { eventId: _also, ...resources } = { ...moved, household: { ...moved.household, yearlyResources: 6_000 } };
    expect((await correct(resources)).status).toBe(201);
    const confirmed = await correct({ ...sameDate, confirmeDoublon: true });
    expect(confirmed.status).toBe(201);
    const event = await getJson(`${app.url}/v1/events/${confirmed.body.eventId}`);
    expect(event.body.data.lease).toMatchObject({
      leaseDate: '2026-03-02',
      confirmedDuplicateOf: [{ leaseId: 'B-7', caseId: 'D-7' }],
    });
  });

  it('refuses an import row correcting a lease into a copy of another, naming the lease; the report is in Paris time', async () => {
    expect((await postJson(`${app.url}/v1/leases`, lease('B-9', 'D-9', { household: '0591227000909' }))).status).toBe(201);
    const second = lease('B-10', 'D-10', { household: '0591227000909', date: '2026-03-10' });
    expect((await postJson(`${app.url}/v1/leases`, second)).status).toBe(201);
    const { eventId: _unused, ...copy } = { ...second, leaseDate: '2026-03-02' };
    const started = await adminFetch(`${app.url}/v1/imports`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson' },
      body: JSON.stringify({ type: 'lease_correction', reason: 'date erronée', lease: copy }),
    });
    const { id } = (await started.json()) as { id: string };
    const report = (
      await waitFor(
        () => getJson(`${app.url}/v1/imports/${id}`),
        (r) => r.body.status === 'termine' || r.body.status === 'echoue',
      )
    ).body;
    expect(report).toMatchObject({ status: 'termine', accepted: 0, rejected: 1 });
    expect(report.rejections[0]).toMatchObject({
      reference: 'B-10',
      field: 'lease.leaseId',
      value: 'B-10',
      code: 'LEASE_PROBABLE_DUPLICATE',
    });
    for (const time of [report.startedAt, report.finishedAt]) expect(time).toMatch(/T\d{2}:\d{2}:\d{2}\.\d{3}\+0[12]:00$/);
  });

  it('records exactly one of two sends at once under two references, and refuses the other quoting it', async () => {
    for (let round = 0; round < 5; round += 1) {
      const household = `05912270009${10 + round}`;
      const [a, b] = await Promise.all([
        postJson(`${app.url}/v1/leases`, lease(`B-R${round}-A`, `D-R${round}-A`, { household })),
        postJson(`${app.url}/v1/leases`, lease(`B-R${round}-B`, `D-R${round}-B`, { household })),
      ]);
      expect([a.status, b.status].sort()).toEqual([201, 409]);
      const [won, lost] = a.status === 201 ? ['A', b] : ['B', a];
      expect(lost.body.details.existingLeaseId).toBe(`B-R${round}-${won}`);
      const { rows } = await app.db.pool.query(
        `SELECT count(*) FROM events WHERE event_type = 'LeaseSigned' AND data->>'leaseId' LIKE $1`,
        [`B-R${round}-%`],
      );
      expect(Number(rows[0].count)).toBe(1);
    }
  });

  it('refuses the second of two rows of one import file, and a row repeating a recorded lease, unless confirme_doublon', async () => {
    const row = (leaseId: string, caseId: string, household: string, confirm = '') =>
      [
        'bail',
        leaseId,
        caseId,
        'lmh',
        '2026-03-02',
        'RDUPIMP',
        '59350',
        MEL,
        'T3',
        'PLUS',
        household,
        '1',
        '0',
        '5000',
        '',
        'directe',
        confirm,
      ].join(';');
    const csv = [
      'type;reference_bail;reference_dossier;bailleur;date_bail;rpls;code_insee;siren_epci;typologie;financement;menage;personnes_14_ans_et_plus;enfants_moins_14_ans;revenus_annuels;reservataire;mode_gestion;confirme_doublon',
      row('I-1', 'DI-1', '0591227000950'), // 2: accepted
      row('I-1-BIS', 'DI-1-BIS', '0591227000950'), // 3: the same lease as line 2
      row('I-1-TER', 'DI-1-TER', '0591227000950', 'oui'), // 4: confirmed
      row('I-2', 'DI-2', '0591227000900'.replace('900', '951')), // 5: accepted
    ].join('\r\n');
    const started = await adminFetch(`${app.url}/v1/imports`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv; charset=utf-8' },
      body: csv,
    });
    expect(started.status).toBe(202);
    const { id } = (await started.json()) as { id: string };
    const report = (
      await waitFor(
        () => getJson(`${app.url}/v1/imports/${id}`),
        (r) => ['termine', 'echoue', 'refuse'].includes(r.body.status),
      )
    ).body;
    expect(report).toMatchObject({ status: 'termine', accepted: 3, rejected: 1 });
    expect(report.rejections).toEqual([
      {
        line: 3,
        reference: 'I-1-BIS',
        field: 'reference_bail',
        value: 'I-1-BIS',
        code: 'LEASE_PROBABLE_DUPLICATE',
        message: expect.stringContaining('I-1 (dossier DI-1)'),
      },
    ]);
    // Sent again, a repetition of a recorded lease is refused quoting it; the recorded rows are not recorded twice.
    const again = await adminFetch(`${app.url}/v1/imports`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv; charset=utf-8' },
      body: csv,
    });
    const { id: second } = (await again.json()) as { id: string };
    const report2 = (
      await waitFor(
        () => getJson(`${app.url}/v1/imports/${second}`),
        (r) => r.body.status === 'termine' || r.body.status === 'echoue',
      )
    ).body;
    expect(report2).toMatchObject({ accepted: 0, alreadyImported: 3, rejected: 1 });
    expect(report2.rejections[0]).toMatchObject({ line: 3, code: 'LEASE_PROBABLE_DUPLICATE' });
  });
});
