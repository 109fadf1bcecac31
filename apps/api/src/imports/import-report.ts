import ExcelJS from 'exceljs';
import type { ImportReport } from './import.service.js';

/** The French headers of the rejected rows, in the CSV and the XLSX report alike. */
export const REJECTION_HEADERS = ['Ligne', 'Référence', 'Colonne', 'Valeur refusée', 'Code', 'Message'] as const;

const STATUS_FR: Record<ImportReport['status'], string> = {
  en_attente: 'en attente',
  en_cours: 'en cours',
  termine: 'terminé',
  echoue: 'échoué',
  interrompu: 'interrompu',
  refuse: 'fichier refusé en entier (rien n’a été enregistré)',
};

/**
 * An import's report as a workbook (exceljs): sheet « Rejets », one row per rejected value (line a
 * number, every other cell text: a cell a spreadsheet would run as a formula is stored as text,
 * never as a formula), then sheet « Résumé » with the counts.
 */
export async function reportXlsx(report: ImportReport): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  const rejections = workbook.addWorksheet('Rejets');
  rejections.columns = REJECTION_HEADERS.map((header, i) => ({ header, width: [8, 20, 26, 30, 28, 90][i] }));
  rejections.getRow(1).font = { bold: true };
  rejections.views = [{ state: 'frozen', ySplit: 1 }];
  for (const r of report.rejections)
    rejections.addRow([r.line, r.reference ?? '', r.field ?? '', r.value ?? '', r.code, r.message]);
  // Text cells as text (`@`): a value like 0591… or 2A004 stays what the file said.
  for (const column of [2, 3, 4, 5, 6]) rejections.getColumn(column).numFmt = '@';
  const summary = workbook.addWorksheet('Résumé');
  summary.columns = [
    { header: 'Import', width: 34 },
    { header: report.id, width: 60 },
  ];
  summary.addRows([
    ['Statut', STATUS_FR[report.status]],
    ['Aperçu (rien enregistré)', report.dryRun ? 'oui' : 'non'],
    ['Encodage lu', report.encoding ?? ''],
    ['Lignes', report.total ?? 0],
    ['Acceptées', report.accepted],
    ['Déjà importées', report.alreadyImported],
    ['Rejetées', report.rejected],
    ['Rejets listés', report.rejections.length],
    ['Début', report.startedAt],
    ['Fin', report.finishedAt ?? ''],
  ]);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
