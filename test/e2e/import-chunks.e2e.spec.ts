import { APPEND_ORDER_LOCK } from '@vigie/event-store';
import { adminFetch, getJson, startTestApp, waitFor, type TestApp } from '../support/app.js';

/** Sessions of this database waiting for the log's ordering lock (a bigint advisory lock: its low half in objid). */
const APPEND_WAITING = `SELECT count(*)::int AS waiting FROM pg_locks
  WHERE locktype = 'advisory' AND NOT granted AND objsubid = 1 AND objid = $1
    AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`;

const HEADER =
  'type;reference_bail;reference_dossier;bailleur;date_bail;rpls;code_insee;siren_epci;typologie;financement;menage;personnes_14_ans_et_plus;enfants_moins_14_ans;revenus_annuels;dalo;reservataire;mode_gestion;motif';

function line(values: Record<string, string>): string {
  return HEADER.split(';')
    .map((column) => values[column] ?? '')
    .join(';');
}

/** Lease `n`: its own reference, case, household and flat. */
const lease = (n: number, extra: Record<string, string> = {}) =>
  line({
    type: 'bail',
    reference_bail: `B${n}`,
    reference_dossier: `D${n}`,
    bailleur: 'lmh',
    date_bail: '2026-04-02',
    rpls: `59350${String(n).padStart(5, '0')}`,
    code_insee: '59350',
    siren_epci: '200093201',
    typologie: 'T3',
    financement: 'PLUS',
    menage: `hh-chunk-${n}`,
    personnes_14_ans_et_plus: '2',
    enfants_moins_14_ans: '1',
    revenus_annuels: '18 500',
    dalo: 'non',
    reservataire: 'action-logement',
    mode_gestion: 'directe',
    ...extra,
  });

const cancellation = (n: number) =>
  line({
    type: 'annulation_bail',
    reference_bail: `B${n}`,
    reference_dossier: `D${n}`,
    bailleur: 'lmh',
    motif: 'Saisi en double',
  });

/**
 * A file of three chunks (an import decides 1 000 rows at a time, and checks the next chunk while
 * the previous one is being appended — decides it too, when it names none of that chunk's cases,
 * events or households): rows that depend on rows of an earlier chunk — a cancellation, a copy of
 * a lease under another reference — are decided on what that chunk recorded.
 */
describe('Bulk import of a file larger than a chunk', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp();
  });

  afterAll(async () => {
    await app.close();
  });

  it('decides each chunk on what the chunks before it recorded, and counts every row once', async () => {
    const rows = [
      // Rows 0–999 (lines 2–1001), the first chunk; lease 10 has a date that does not exist.
      ...Array.from({ length: 1_000 }, (_, n) => lease(n, n === 10 ? { date_bail: '2026-02-30' } : {})),
      // The second chunk begins: the last lease of the first chunk cancelled (line 1002), lease 998
      // sent again under another reference (line 1003).
      cancellation(999),
      lease(998, { reference_bail: 'B-copie', reference_dossier: 'D-copie' }),
      ...Array.from({ length: 1_000 }, (_, k) => lease(1_000 + k)),
      // The third chunk: a lease of the first chunk cancelled (line 2004), one of the second chunk
      // (line 2005: the third chunk, naming a case of the second, is decided once the second is
      // recorded, not while it is appended), a bad date (line 2006).
      cancellation(5),
      cancellation(1_500),
      lease(3_000, { date_bail: '2026-02-30' }),
    ];
    const started = await adminFetch(`${app.url}/v1/imports`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body: [HEADER, ...rows].join('\n'),
    });
    expect(started.status).toBe(202);
    const { id } = (await started.json()) as { id: string };
    const { body: report } = await waitFor(
      () => getJson(`${app.url}/v1/imports/${id}`),
      (r) => ['termine', 'echoue', 'refuse'].includes(r.body.status),
      120_000,
    );
    expect(report).toMatchObject({ status: 'termine', total: 2_005, done: 2_005, accepted: 2_002, rejected: 3 });
    expect(report.rejections.map((r: { line: number; field: string; code: string }) => [r.line, r.field, r.code])).toEqual([
      [12, 'date_bail', 'INVALID_VALUE'],
      [1_003, 'reference_bail', 'LEASE_PROBABLE_DUPLICATE'],
      [2_006, 'date_bail', 'INVALID_VALUE'],
    ]);
    // Each cancellation cites the lease its chunk found recorded by an earlier one.
    const { rows: cancelled } = await app.db.pool.query(
      `SELECT c.data->>'leaseId' AS lease, c.data->>'cancelsEventId' = s.event_id::text AS cites_it
       FROM events c JOIN events s ON s.stream_id = c.stream_id AND s.event_type = 'LeaseSigned'
       WHERE c.event_type = 'LeaseCancelled' AND c.metadata->>'importId' = $1 ORDER BY c.global_position`,
      [id],
    );
    expect(cancelled).toEqual([
      { lease: 'B999', cites_it: true },
      { lease: 'B5', cites_it: true },
      { lease: 'B1500', cites_it: true },
    ]);
    const { rows: recorded } = await app.db.pool.query("SELECT count(*)::int AS n FROM events WHERE metadata->>'importId' = $1", [
      id,
    ]);
    expect(recorded[0].n).toBe(2_002);
  });

  it('decides a chunk that names a case of the chunk before the previous one on what that chunk recorded, while it may still be appended', async () => {
    // Three chunks can be in flight at once: the first appended, the second decided, the third
    // read and decided meanwhile unless it names a case, event or household of one of them.
    const rows = [
      // The first chunk (lines 2–1001), then the second (lines 1002–2001): cases and households of their own.
      ...Array.from({ length: 2_000 }, (_, n) => lease(10_000 + n)),
      // The third chunk names nothing of the second, but a lease of the first, cancelled (line 2002).
      // (Nothing that the append would check again: a copy of a lease would have the third chunk
      // decided again, once its append found the copied lease recorded meanwhile.)
      cancellation(10_005),
    ];
    // The first chunk's append held at the log's ordering lock, so that it is still in flight when
    // the third chunk is handed over.
    const holder = await app.db.pool.connect();
    await holder.query('SELECT pg_advisory_lock($1)', [APPEND_ORDER_LOCK]);
    let id: string;
    try {
      const started = await adminFetch(`${app.url}/v1/imports`, {
        method: 'POST',
        headers: { 'content-type': 'text/csv' },
        body: [HEADER, ...rows].join('\n'),
      });
      id = ((await started.json()) as { id: string }).id;
      await waitFor(
        () => app.db.pool.query(APPEND_WAITING, [APPEND_ORDER_LOCK]),
        (result) => result.rows[0].waiting > 0,
        60_000,
      );
      // Time for the second and third chunks to be read, checked and handed over meanwhile.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
    } finally {
      await holder.query('SELECT pg_advisory_unlock($1)', [APPEND_ORDER_LOCK]);
      holder.release();
    }
    const { body: report } = await waitFor(
      () => getJson(`${app.url}/v1/imports/${id}`),
      (r) => ['termine', 'echoue', 'refuse'].includes(r.body.status),
      120_000,
    );
    expect(report).toMatchObject({ status: 'termine', total: 2_001, done: 2_001, accepted: 2_001, rejected: 0 });
    const { rows: cancelled } = await app.db.pool.query(
      `SELECT c.data->>'leaseId' AS lease, c.data->>'cancelsEventId' = s.event_id::text AS cites_it
       FROM events c JOIN events s ON s.stream_id = c.stream_id AND s.event_type = 'LeaseSigned'
       WHERE c.event_type = 'LeaseCancelled' AND c.metadata->>'importId' = $1`,
      [id],
    );
    expect(cancelled).toEqual([{ lease: 'B10005', cites_it: true }]);
  });

  it('names, in a rejected row, the registered identifiers close to an unknown réservataire (the report has no closest field)', async () => {
    const started = await adminFetch(`${app.url}/v1/imports`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body: [HEADER, lease(5_000, { reservataire: 'Action-Logement' })].join('\n'),
    });
    const { id } = (await started.json()) as { id: string };
    const { body: report } = await waitFor(
      () => getJson(`${app.url}/v1/imports/${id}`),
      (r) => ['termine', 'echoue', 'refuse'].includes(r.body.status),
      60_000,
    );
    expect(report.rejections).toHaveLength(1);
    expect(report.rejections[0].code).toBe('RESERVATAIRE_NOT_REGISTERED');
    expect(report.rejections[0].message).toContain('Proches : « action-logement »');
    expect(report.rejections[0].message).not.toContain('voir closest');
  });
});
