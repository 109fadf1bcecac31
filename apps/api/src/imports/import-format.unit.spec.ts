import { countRows, csvRows, ndjsonRows } from './import-format.js';

describe('Import files are read row by row', () => {
  it('reads CSV rows lazily, with quotes, BOM and blank lines, and counts them without building them', () => {
    const csv = '\uFEFFtype;reference_dossier;motif\r\nrefus_offre;C-1;"Trop loin;\nvraiment"\n\nrefus_offre;C-2;""""\n';
    const rows = csvRows(csv);
    expect(typeof (rows as Iterator<unknown>).next).toBe('function');
    const all = [...rows];
    expect(all.map((row) => [row.line, row.kind, row.body.caseId, row.body.reason])).toEqual([
      [2, 'offer_declined', 'C-1', 'Trop loin;\nvraiment'],
      [5, 'offer_declined', 'C-2', '"'],
    ]);
    expect(countRows('csv', csv)).toBe(all.length);
    expect(countRows('csv', '')).toBe(0);
    expect([...csvRows('')]).toEqual([]);
  });

  it('reads NDJSON lines lazily; a line that is not an object is malformed, never spread into keys', () => {
    const ndjson = '{"type":"lease","leaseId":"L-1"}\n\n"0591227000123"\n[1,2]\nnot json\n{"type":"other"}\n';
    const rows = [...ndjsonRows(ndjson)];
    expect(rows.map((row) => [row.line, row.kind, row.parseError ?? null, Object.keys(row.body)])).toEqual([
      [1, 'lease', null, ['leaseId']],
      [3, null, 'json', []],
      [4, null, 'json', []],
      [5, null, 'json', []],
      [6, null, 'type', []],
    ]);
    expect(countRows('ndjson', ndjson)).toBe(rows.length);
  });
});
