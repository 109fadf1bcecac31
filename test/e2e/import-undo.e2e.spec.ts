import { randomUUID } from 'node:crypto';
import { createKey, getJson, postJson, startTestApp, waitFor, type TestApp, type TestKey } from '../support/app.js';

/**
 * Undoing an import takes the whole import back, lease by lease: the leases it recorded are
 * cancelled, the leases it corrected go back to their version before it, the leases it cancelled
 * count again; a lease another record changed since is left as it is, and the preview says so.
 */
const MEL = '200093201';
const HEADER =
  'type;reference_bail;reference_dossier;bailleur;date_bail;rpls;code_insee;siren_epci;code_qpv;typologie;financement;menage;personnes_14_ans_et_plus;enfants_moins_14_ans;revenus_annuels;dalo;categorie_prioritaire;reservataire;mode_gestion;motif';

/** A lease row (`bail` or `correction_bail`) of lease n, DALO or not, with its yearly resources. */
const row = (type: string, n: number, dalo: boolean, resources = '9800', reason = '') =>
  `${type};B-UN-${n};D-UN-${n};lmh;02/03/2026;RUN${n};59350;${MEL};;T3;PLUS;0591227000${String(n).padStart(8, '0')};1;0;${resources};${dalo ? 'oui' : 'non'};;;directe;${reason}`;

const apiLease = (n: number, dalo: boolean, yearlyResources = 9_800) => ({
  leaseId: `B-UN-${n}`,
  caseId: `D-UN-${n}`,
  bailleurId: 'lmh',
  leaseDate: '2026-03-02',
  flat: { rplsId: `RUN${n}`, communeInsee: '59350', epciSiren: MEL, qpvCode: null, typology: 'T3', financing: 'PLUS' },
  household: {
    numeroUnique: `0591227000${String(n).padStart(8, '0')}`,
    composition: { personsAged14OrMore: 1, childrenUnder14: 0 },
    yearlyResources,
  },
  flags: { dalo },
  reservataireId: null,
  gestionMode: 'directe',
});

describe('Undoing an import', () => {
  let app: TestApp;
  let lmh: TestKey;

  beforeAll(async () => {
    app = await startTestApp();
    lmh = await createKey(app.url, 'bailleur', 'lmh');
  });

  afterAll(async () => {
    await app.close();
  });

  const eventCount = async () => Number((await app.db.pool.query('SELECT count(*) FROM events')).rows[0].count);

  /** The PRIO figure of the EPCI for 2026 (numerator / denominator), once the projection has read the whole log. */
  async function prio(): Promise<{ numerator: number; denominator: number }> {
    const last = Number((await app.db.pool.query('SELECT max(global_position) AS p FROM events')).rows[0].p);
    const { body } = await waitFor(
      () => getJson(`${app.url}/v1/epcis/${MEL}/compliance?year=2026`),
      (r) => r.status === 200 && r.body.freshness.position >= last,
    );
    const figure = (
      body as {
        objectives: Array<{
          id: string;
          scopes: Array<{ scope: { kind: string }; figure: { numerator: number; denominator: number } }>;
        }>;
      }
    ).objectives
      .find((objective) => objective.id === 'PRIO')!
      .scopes.find((scope) => scope.scope.kind === 'epci')!.figure;
    return { numerator: figure.numerator, denominator: figure.denominator };
  }

  async function importCsv(lines: string[]): Promise<string> {
    const started = await fetch(`${app.url}/v1/imports`, {
      method: 'POST',
      headers: { ...lmh.auth, 'content-type': 'text/csv' },
      body: [HEADER, ...lines].join('\r\n'),
    });
    expect(started.status).toBe(202);
    const { id } = (await started.json()) as { id: string };
    const { body } = await waitFor(
      () => getJson(`${app.url}/v1/imports/${id}`, lmh.auth),
      (r) => r.body.status === 'termine',
    );
    expect(body).toMatchObject({ rejected: 0 });
    return id;
  }

  it('cancels what it recorded, puts back what it corrected or cancelled, says what it cannot; figures as before; once', async () => {
    // Before the import: leases 1 (not DALO), 2 (DALO), 3 and 4 (not DALO), recorded through the API.
    for (const [n, dalo] of [
      [1, false],
      [2, true],
      [3, false],
      [4, false],
    ] as const) {
      expect((await postJson(`${app.url}/v1/leases`, { eventId: randomUUID(), ...apiLease(n, dalo) }, lmh.auth)).status).toBe(
        201,
      );
    }
    const before = await prio();
    expect(before).toEqual({ numerator: 1, denominator: 4 });

    // The import: two new leases (10 DALO, 11 not), lease 1 corrected to DALO, lease 2 cancelled,
    // lease 3 cancelled, lease 4's resources corrected.
    const id = await importCsv([
      row('bail', 10, true),
      row('bail', 11, false),
      row('correction_bail', 1, true, '9800', 'DALO oublié'),
      `annulation_bail;B-UN-2;D-UN-2;lmh;;;;;;;;;;;;;;;;Bail signé par erreur`,
      `annulation_bail;B-UN-3;D-UN-3;lmh;;;;;;;;;;;;;;;;Bail signé par erreur`,
      row('correction_bail', 4, false, '12000', 'Avis d’imposition'),
    ]);
    expect(await prio()).toEqual({ numerator: 2, denominator: 4 });

    // Since the import, other records: lease 11 (the import's) corrected, lease 4 corrected again,
    // a new lease signed on lease 3's case.
    const correct = (n: number, yearlyResources: number) =>
      postJson(
        `${app.url}/v1/leases/B-UN-${n}/corrections`,
        { eventId: randomUUID(), reason: 'Avis d’imposition 2025', lease: apiLease(n, false, yearlyResources) },
        lmh.auth,
      );
    expect((await correct(11, 15_000)).status).toBe(201);
    expect((await correct(4, 13_000)).status).toBe(201);
    expect(
      (await postJson(`${app.url}/v1/leases`, { eventId: randomUUID(), ...apiLease(3, false), leaseId: 'B-UN-3bis' }, lmh.auth))
        .status,
    ).toBe(201);
    const afterImport = await prio();
    expect(afterImport).toEqual({ numerator: 2, denominator: 5 });

    const undo = (key: TestKey, query = '') =>
      postJson(`${app.url}/v1/imports/${id}/cancellation${query}`, { reason: 'Fichier envoyé par erreur' }, key.auth);
    const other = await createKey(app.url, 'bailleur', 'vilogia');
    expect((await undo(other, '?dryRun=true')).status).toBe(404);

    const events = await eventCount();
    const preview = await undo(lmh, '?dryRun=true');
    expect(preview.status).toBe(200);
    const line = (leaseId: string) => ({ bailleurId: 'lmh', caseId: leaseId.replace('B-', 'D-'), leaseId });
    expect(preview.body).toMatchObject({
      dryRun: true,
      leases: 2,
      cancelled: 2,
      changedLeases: 4,
      restored: 2,
      notRestorable: 2,
      otherFactsKept: 0,
      lines: [
        { ...line('B-UN-10'), action: 'annuler', outcome: 'a_faire' },
        {
          ...line('B-UN-11'),
          action: 'annuler',
          outcome: 'a_faire',
          message: expect.stringContaining('corrigé depuis l’import par un autre enregistrement : annulé quand même'),
        },
        { ...line('B-UN-1'), action: 'revenir_a_la_version_precedente', outcome: 'a_faire' },
        { ...line('B-UN-2'), action: 'retablir', outcome: 'a_faire' },
        { ...line('B-UN-3'), outcome: 'impossible', message: expect.stringContaining('laissé tel quel') },
        { ...line('B-UN-4'), action: 'revenir_a_la_version_precedente', outcome: 'impossible' },
      ],
    });
    expect(await eventCount()).toBe(events);
    expect(await prio()).toEqual(afterImport);

    const done = await undo(lmh);
    expect(done.body).toMatchObject({ dryRun: false, cancelled: 2, restored: 2, notRestorable: 2 });
    expect(done.body.lines.map((l: { outcome: string }) => l.outcome)).toEqual([
      'fait',
      'fait',
      'fait',
      'fait',
      'impossible',
      'impossible',
    ]);
    expect(await eventCount()).toBe(events + 4);
    // Leases 10 and 11 gone, lease 1 back to not DALO, lease 2 (DALO) counts again; lease 3bis stays.
    expect(await prio()).toEqual({ numerator: 1, denominator: 4 });

    // Every undo event cites the import; the restored versions are the ones before the import.
    const { rows } = await app.db.pool.query(
      `SELECT event_type, data->>'reason' AS reason, COALESCE(data->'lease'->'flags'->>'dalo', data->'flags'->>'dalo') AS dalo
         FROM events WHERE metadata->>'source' = 'import-undo' AND metadata->>'importId' = $1 ORDER BY global_position`,
      [id],
    );
    const reason = `Annulation de l’import ${id} : Fichier envoyé par erreur`;
    expect(rows).toEqual([
      { event_type: 'LeaseCancelled', reason, dalo: null },
      { event_type: 'LeaseCancelled', reason, dalo: null },
      { event_type: 'LeaseCorrected', reason, dalo: 'false' },
      { event_type: 'LeaseSigned', reason: null, dalo: 'true' },
    ]);

    // Sent again: nothing more.
    const again = await undo(lmh);
    expect(again.body).toMatchObject({ cancelled: 0, alreadyCancelled: 2, restored: 0, alreadyRestored: 2, notRestorable: 2 });
    expect(await eventCount()).toBe(events + 4);
    expect(await prio()).toEqual({ numerator: 1, denominator: 4 });
  });

  it('takes back a lease the import recorded then corrected itself (the lease is cancelled, once)', async () => {
    const id = await importCsv([row('bail', 20, false), row('correction_bail', 20, true, '9800', 'DALO oublié')]);
    const { body } = await postJson(
      `${app.url}/v1/imports/${id}/cancellation`,
      { reason: 'Fichier envoyé par erreur' },
      lmh.auth,
    );
    expect(body).toMatchObject({ leases: 1, cancelled: 1, changedLeases: 0, lines: [{ leaseId: 'B-UN-20', outcome: 'fait' }] });
    const { rows } = await app.db.pool.query(
      "SELECT count(*)::int AS n FROM events WHERE event_type = 'LeaseCancelled' AND data->>'leaseId' = 'B-UN-20'",
    );
    expect(rows[0].n).toBe(1);
  });

  it('says a file sent again after its import was undone brings nothing back, row by row, instead of « déjà importé »', async () => {
    const lines = [row('bail', 30, false), row('bail', 31, true)];
    const id = await importCsv(lines);
    const undone = await postJson(`${app.url}/v1/imports/${id}/cancellation`, { reason: 'Mauvais fichier' }, lmh.auth);
    expect(undone.body).toMatchObject({ cancelled: 2 });
    const before = await eventCount();

    const again = await fetch(`${app.url}/v1/imports`, {
      method: 'POST',
      headers: { ...lmh.auth, 'content-type': 'text/csv' },
      body: [HEADER, ...lines, row('bail', 32, false)].join('\r\n'),
    });
    const { id: second } = (await again.json()) as { id: string };
    const { body } = await waitFor(
      () => getJson(`${app.url}/v1/imports/${second}`, lmh.auth),
      (r) => r.body.status === 'termine',
    );
    // The new lease is recorded; the two undone ones are neither « déjà importées » nor back.
    expect(body).toMatchObject({ accepted: 1, alreadyImported: 0, rejected: 2 });
    expect(body.rejections.map((r: { line: number; field: string; code: string }) => [r.line, r.field, r.code])).toEqual([
      [2, 'reference_bail', 'LEASE_CANCELLED_SINCE'],
      [3, 'reference_bail', 'LEASE_CANCELLED_SINCE'],
    ]);
    expect(body.rejections[0].message).toMatch(/le renvoyer ne le rétablit pas/);
    expect(await eventCount()).toBe(before + 1);
  });
});
