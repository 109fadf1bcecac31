import { randomUUID } from 'node:crypto';
import { adminFetch, getJson, postJson, startTestApp, waitFor, type TestApp } from '../support/app.js';

/**
 * A genuine overseas numéro unique (départements 971–976) may end in 000, as every such number a
 * spreadsheet stored does: refused unless the bailleur confirms it, the refusal saying how; in the
 * API (`numeroUniqueConfirme: true` next to the number) and in a file (`numero_unique_confirme`).
 */
const OVERSEAS = '974122700012345000';
const HEADER =
  'type;reference_bail;reference_dossier;bailleur;date_bail;rpls;code_insee;siren_epci;code_qpv;typologie;financement;menage;numero_unique_confirme;personnes_14_ans_et_plus;enfants_moins_14_ans;revenus_annuels;dalo;categorie_prioritaire;reservataire;mode_gestion;candidats;date_cal;date_refus';

describe('An overseas numéro unique ending in 000', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp();
  });

  afterAll(async () => {
    await app.close();
  });

  const eventCount = async () => Number((await app.db.pool.query('SELECT count(*) FROM events')).rows[0].count);
  const flat = {
    rplsId: '5935000009',
    communeInsee: '59350',
    epciSiren: '200093201',
    qpvCode: null,
    typology: 'T3',
    financing: 'PLUS',
  };
  const lease = (n: number, household: Record<string, unknown>) => ({
    eventId: randomUUID(),
    leaseId: `B-OM-${n}`,
    caseId: `D-OM-${n}`,
    bailleurId: 'lmh',
    leaseDate: '2026-03-02',
    flat: { ...flat, rplsId: `593500010${n}` },
    household: { composition: { personsAged14OrMore: 1, childrenUnder14: 0 }, yearlyResources: 9_800, ...household },
    flags: { dalo: false },
    reservataireId: null,
    gestionMode: 'directe',
  });

  it('is refused by the API saying how to confirm it, and recorded once confirmed, under the same household as the CAL decision', async () => {
    const before = await eventCount();
    const refused = await postJson(`${app.url}/v1/leases`, lease(1, { numeroUnique: OVERSEAS }));
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toEqual([
      {
        path: 'household.numeroUnique',
        code: 'SPREADSHEET_DAMAGE',
        message: expect.stringContaining('"numeroUniqueConfirme": true à côté du numéro'),
      },
    ]);
    expect(await eventCount()).toBe(before);

    // A CAL decision and a refusal confirm it next to the number too; the lease then links to the decision.
    const cal = await postJson(`${app.url}/v1/cal-decisions`, {
      eventId: randomUUID(),
      caseId: 'D-OM-1',
      bailleurId: 'lmh',
      calDate: '2026-03-01',
      flat: { ...flat, rplsId: '5935000101' },
      candidates: [{ rank: 1, numeroUnique: OVERSEAS, numeroUniqueConfirme: true, decision: 'attribution' }],
      reservataireId: null,
    });
    expect(cal.status).toBe(201);
    const unconfirmedRefusal = await postJson(`${app.url}/v1/cal-decisions/D-OM-1/offer-declined`, {
      eventId: randomUUID(),
      bailleurId: 'lmh',
      numeroUnique: OVERSEAS,
      declinedOn: '2026-03-05',
      reason: 12,
    });
    // Every bad value answered at once: the reason and the unconfirmed number.
    expect(unconfirmedRefusal.body.errors.map((error: { path: string }) => error.path).sort()).toEqual([
      'numeroUnique',
      'reason',
    ]);

    const recorded = await postJson(`${app.url}/v1/leases`, lease(1, { numeroUnique: OVERSEAS, numeroUniqueConfirme: true }));
    expect(recorded.status).toBe(201);
    const { rows } = await app.db.pool.query(
      "SELECT data FROM events WHERE event_type IN ('LeaseSigned', 'CalDecisionRecorded') ORDER BY global_position",
    );
    const [decision, signed] = rows.map((row) => row.data);
    // The confirmation is not a fact of the lease: the event holds the pseudonym only.
    expect(signed.household).toEqual({
      pseudonymousId: decision.candidates[0].householdPseudonymousId,
      composition: { personsAged14OrMore: 1, childrenUnder14: 0 },
      yearlyResources: 9_800,
    });
    expect(signed.calDecisionEventId).toBe(cal.body.eventId);
  });

  it('is refused in a file saying how to confirm it, and imported when its row says numero_unique_confirme = oui', async () => {
    const row = (n: number, confirm: string) =>
      `bail;B-OM-${n};D-OM-${n};lmh;02/03/2026;59350001${n};59350;200093201;;T3;PLUS;${OVERSEAS};${confirm};1;0;9800;non;;;directe;;;`;
    const started = await adminFetch(`${app.url}/v1/imports`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body: [
        HEADER,
        row(10, 'oui'),
        row(11, ''),
        `decision_cal;;D-OM-12;lmh;;5935000112;59350;200093201;;T3;PLUS;;oui;;;;;;;;1:${OVERSEAS}:attribution;01/03/2026;`,
        `refus_offre;;D-OM-12;lmh;;;;;;;;${OVERSEAS};oui;;;;;;;;;;05/03/2026`,
      ].join('\r\n'),
    });
    expect(started.status).toBe(202);
    const { id } = (await started.json()) as { id: string };
    const { body } = await waitFor(
      () => getJson(`${app.url}/v1/imports/${id}`),
      (r) => r.body.status === 'termine',
    );
    expect(body).toMatchObject({ total: 4, accepted: 3, rejected: 1 });
    expect(body.rejections).toEqual([
      {
        line: 3,
        reference: 'B-OM-11',
        field: 'menage',
        value: expect.any(String),
        code: 'SPREADSHEET_DAMAGE',
        message: expect.stringContaining('confirmez-le : colonne numero_unique_confirme = oui'),
      },
    ]);
  });
});
