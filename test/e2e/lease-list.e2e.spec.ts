import ExcelJS from 'exceljs';
import { randomUUID } from 'node:crypto';
import { adminFetch, getJson, postJson, startTestApp, type TestApp, waitFor } from '../support/app.js';

/** The leases behind the figures of an EPCI, lease by lease, with the reason each counts or not. */
describe('Lease-level list of an EPCI', () => {
  const MEL = '200093201';
  let app: TestApp;
  let last = 0;

  const lease = (i: number, over: { resources?: number | null; household?: string; rpls?: string } = {}) => ({
    eventId: randomUUID(),
    leaseId: `B-${i}`,
    caseId: `D-${i}`,
    bailleurId: 'lmh',
    leaseDate: '2026-03-02',
    flat: {
      rplsId: over.rpls ?? `R${i}`,
      communeInsee: '59350',
      epciSiren: MEL,
      qpvCode: null,
      typology: 'T3',
      financing: 'PLUS',
    },
    household: {
      numeroUnique: over.household ?? `059122700${i}`,
      composition: { personsAged14OrMore: 1, childrenUnder14: 0 },
      yearlyResources: over.resources === undefined ? 5_000 : over.resources,
    },
    flags: { dalo: i === 1 },
    reservataireId: null,
    gestionMode: 'directe',
  });

  beforeAll(async () => {
    app = await startTestApp();
    await postJson(`${app.url}/v1/epcis/${MEL}/quartile-thresholds`, { year: 2026, amountPerUc: 10_000, source: 'Arrêté' });
    for (const body of [
      lease(1),
      lease(2, { resources: null }),
      // The same lease sent again under another reference, confirmed by the bailleur as another lease.
      { ...lease(3, { household: '0591227001', rpls: 'R1' }), confirmeDoublon: true },
    ]) {
      const response = await postJson(`${app.url}/v1/leases`, body);
      expect(response.status).toBe(201);
      last = response.body.position;
    }
  });

  afterAll(async () => {
    await app.close();
  });

  const list = (query = '') =>
    waitFor(
      () => getJson(`${app.url}/v1/epcis/${MEL}/leases?year=2026${query}`),
      (r) => r.status !== 200 || r.body.freshness.position >= last,
    );

  it('lists each lease with its classification per objective, the reason and the event that proves it', async () => {
    const { status, body } = await list();
    expect(status).toBe(200);
    expect(body.leases).toHaveLength(3);
    const first = body.leases.find((l: { leaseId: string }) => l.leaseId === 'B-1');
    expect(first).toMatchObject({ q1: 'q1', withoutCalDecision: true, probableDuplicate: true });
    expect(first.objectives.find((o: { id: string }) => o.id === 'HQ1')).toEqual({
      id: 'HQ1',
      inPopulation: true,
      qualifies: true,
      reason: 'hors QPV, ménage du 1er quartile',
    });
    expect(first.objectives.find((o: { id: string }) => o.id === 'PRIO')).toMatchObject({
      qualifies: true,
      reason: 'public prioritaire (DALO)',
    });
    const event = await getJson(`${app.url}/v1/events/${first.eventId}`);
    expect(event.body).toMatchObject({ type: 'LeaseSigned', globalPosition: first.position, data: { leaseId: 'B-1' } });
  });

  it('adds up to the figures it explains', async () => {
    const { body } = await list();
    const compliance = await getJson(`${app.url}/v1/epcis/${MEL}/compliance?year=2026`);
    const hq1 = compliance.body.objectives.find((o: { id: string }) => o.id === 'HQ1').scopes[0].figure;
    const counted = (key: 'inPopulation' | 'qualifies') =>
      body.leases.filter((l: { objectives: Array<{ id: string; inPopulation: boolean; qualifies: boolean }> }) =>
        l.objectives.some((o) => o.id === 'HQ1' && o[key]),
      ).length;
    expect([counted('qualifies'), counted('inPopulation')]).toEqual([hq1.numerator, hq1.denominator]);
    expect(compliance.body.dataQuality).toMatchObject({ withoutCalDecision: 3, probableDuplicates: 1, unknownQ1: 1 });
  });

  it('filters unknown Q1, no CAL decision, probable duplicates; answers CSV', async () => {
    expect((await list('&filter=unknown_q1')).body.leases.map((l: { leaseId: string }) => l.leaseId)).toEqual(['B-2']);
    expect((await list('&filter=probable_duplicate')).body.leases.map((l: { leaseId: string }) => l.leaseId).sort()).toEqual([
      'B-1',
      'B-3',
    ]);
    expect((await list('&filter=no_cal_decision')).body.leases).toHaveLength(3);
    expect((await list('&filter=toutes')).status).toBe(400);
    const csv = await adminFetch(`${app.url}/v1/epcis/${MEL}/leases?year=2026&format=csv`);
    const text = (await csv.text()).replace(/^\uFEFF/, '');
    expect(text.split('\r\n')[0]).toContain('HQ1 : motif');
    expect(text).toContain('hors QPV, ressources inconnues (Q1 inconnu)');
    // The Q1 column in words, as a reader of the spreadsheet understands it (never the API's codes).
    const [header, ...lines] = text.trim().split('\r\n');
    const q1Column = header!.split(';').indexOf('Q1');
    const q1Cells = lines.map((line) => line.split(';')[q1Column]);
    expect(new Set(q1Cells)).toEqual(new Set(['Premier quartile', 'Inconnu (ressources manquantes)']));
    expect(q1Cells.filter((cell) => /^(q1|non_q1|unknown|pending)$/.test(cell!))).toEqual([]);
  });

  it('refuses a format it does not answer in, naming the field, rather than answering JSON without a word', async () => {
    for (const format of ['pdf', 'xml']) {
      const response = await adminFetch(`${app.url}/v1/epcis/${MEL}/leases?year=2026&format=${format}`);
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({
        code: 'VALIDATION_FAILED',
        errors: [{ path: 'format', message: expect.stringContaining(`Format « ${format} » inconnu`) }],
      });
    }
    expect((await adminFetch(`${app.url}/v1/epcis/${MEL}/leases?year=2026&format=json`)).status).toBe(200);
  });

  it('answers the same list as an XLSX workbook (exceljs): French headers, real dates, numbers as numbers', async () => {
    const response = await adminFetch(`${app.url}/v1/epcis/${MEL}/leases?year=2026&format=xlsx`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('spreadsheetml');
    expect(response.headers.get('content-disposition')).toContain(`baux-detail-${MEL}-2026.xlsx`);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(Buffer.from(await response.arrayBuffer()) as never);
    const sheet = workbook.getWorksheet('Baux')!;
    const headers = (sheet.getRow(1).values as unknown[]).slice(1);
    expect(headers.slice(0, 2)).toEqual(['Bail', 'Date du bail']);
    expect(sheet.rowCount).toBe(1 + 3);
    const column = (name: string) => headers.indexOf(name) + 1;
    const first = sheet.getRow(2);
    expect(first.getCell(column('Date du bail')).value).toBeInstanceOf(Date);
    expect(first.getCell(column('Date du bail')).numFmt).toBe('dd/mm/yyyy');
    expect(typeof first.getCell(column('Position')).value).toBe('number');
    expect(['Premier quartile', 'Inconnu (ressources manquantes)']).toContain(first.getCell(column('Q1')).value);
  });
});
