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
