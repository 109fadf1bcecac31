import ExcelJS from 'exceljs';
import { dayCell, instantCell, xlsxWorkbook } from './xlsx.js';

describe('An XLSX export', () => {
  it('makes each column wide enough for its dates, date-times and numbers, never ##### for a short header', async () => {
    const bytes = await xlsxWorkbook(
      'Alertes',
      ['Jour', 'Déclenchée le', 'Plafond', 'Nom'],
      [
        [dayCell('2026-11-30'), instantCell('2026-11-30T09:15:00+01:00'), 123_456_789.125, 'Lille'],
        [dayCell(null), instantCell(null), 12, 'x'.repeat(80)],
      ],
    );
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
    const sheet = workbook.getWorksheet('Alertes')!;
    const widths = [1, 2, 3, 4].map((column) => sheet.getColumn(column).width);
    // dd/mm/yyyy, dd/mm/yyyy hh:mm, 123456789.125: their characters and a margin; a long text stops at 40.
    expect(widths).toEqual([12, 18, 15, 40]);
    expect(sheet.getCell('B2').numFmt).toBe('dd/mm/yyyy hh:mm');
  });
});
