import ExcelJS from 'exceljs';
import type { ImportEncoding } from './import-encoding.js';

export type ImportFormat = 'csv' | 'ndjson' | 'xlsx';
/** `interrompu`: the process running it stopped mid-way (what it recorded is kept; send the file again). */
/** `refuse`: the whole file was refused before anything was written (its columns, or a malformed CSV). */
export type ImportStatus = 'en_attente' | 'en_cours' | 'termine' | 'echoue' | 'interrompu' | 'refuse';

export interface RowRejection {
  readonly line: number;
  /** The row's `reference_bail` (else `reference_dossier`), to find it without counting lines. */
  readonly reference: string | null;
  /** The CSV column (or NDJSON field) at fault. */
  readonly field: string | null;
  /** The value refused, as the file gave it. */
  readonly value: string | null;
  readonly code: string;
  readonly message: string;
}

/** What an import shows while it runs and keeps once done (the `report` of its row in `imports`). */
export interface ImportReport {
  readonly id: string;
  readonly format: ImportFormat;
  /** `true`: a preview, decided exactly as an import but nothing written. */
  readonly dryRun: boolean;
  /** The text encoding detected in the file (UTF-8, windows-1252, ISO-8859-15); null for XLSX. */
  encoding: ImportEncoding | null;
  status: ImportStatus;
  total: number | null;
  done: number;
  accepted: number;
  /** Rows whose event was already recorded with the same content (a file sent again). */
  alreadyImported: number;
  rejected: number;
  /** The first MAX_LISTED rejections, in line order. */
  rejections: RowRejection[];
  rowsPerSecond: number | null;
  etaSeconds: number | null;
  startedAt: string;
  finishedAt: string | null;
  /** Last progress saved (after each chunk): a job not saved for a while belongs to a process that stopped. */
  updatedAt?: string;
  /**
   * Set once the import is found `interrompu`: the events it recorded, counted from the log. The
   * chunk in flight when the process stopped may be recorded without being counted in `accepted`.
   */
  recorded?: number;
  error: string | null;
}

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
