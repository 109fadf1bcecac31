import { referenceId } from '../http/identifiers.js';
import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { z } from 'zod';
import { freeText } from '../http/free-text.js';
import { leaseLocatorSchema } from '../attribution/lease-locator.schema.js';
import {
  compositeKey,
  type AttributionCommand,
  attributionDecider,
  attributionStreamId,
  bailleurFactsOf,
  canonicalJson,
  type ExistingLease,
  isDomainError,
  leaseIdentityOf,
  type LeaseIdentity,
  type LeaseReferentialContext,
  type LeaseSignedData,
  parisTimestamp,
} from '@vigie/domain';
import {
  type BatchOutcome,
  CommandPipeline,
  EVENT_STORE,
  EventIdConflictError,
  type EventStore,
  jsonEqual,
  uuidFromText,
} from '@vigie/event-store';
import type { DatabasePool } from '@vigie/postgres';
import { errorDetail, errorEntry, isErrorCode } from '../http/error-table.js';
import { LeaseReferentialService, type ReferentialLookup } from '../attribution/lease-referential.service.js';
import { SameLeasesService } from '../attribution/same-leases.service.js';
import {
  recordSignedLeaseSchema,
  toLeaseSignedData,
  type Pseudonymise,
} from '../attribution/record-signed-lease/record-signed-lease.schema.js';
import { calDecisionSchema, toCalDecisionData } from '../attribution/record-cal-decision/record-cal-decision.schema.js';
import { offerDeclinedShape, toOfferDeclinedData } from '../attribution/decline-offer/decline-offer.schema.js';
import { withConfirmableNumeroUnique } from '../attribution/record-signed-lease/record-signed-lease.schema.js';
import { actorOf, maskNumeroUniqueLike, type Principal, Pseudonymiser } from '@vigie/access';
import { validate } from '../http/validation.js';
import { isUuid } from '../http/params.js';
import { isDataException, isDatabaseUnavailable } from '@vigie/postgres';
import type { VigieConfig } from '@vigie/config';
import { CLOCK, type Clock, DATA_SOURCE, DATABASE_POOL, VIGIE_CONFIG } from '../platform/platform.module.js';
import type { DataSource, Repository } from 'typeorm';
import { ImportEntity, type ImportRow } from './import.entity.js';
import type { ImportFormat, ImportReport, RowRejection } from './import-report.js';
import {
  countNdjsonRows,
  csvRecords,
  fieldName,
  ndjsonRows,
  rowsOf,
  surveyRecords,
  type ParsedRow,
  type RowKind,
} from './import-format.js';
import { sheetRecords, WorkbookError } from './import-workbook.js';
import { decodedFile, detectFileEncoding } from './import-encoding.js';
import type { UploadedFile } from '../http/body.js';
import { matchColumns } from './import-columns.js';
import { CsvError } from 'csv-parse';

export type { ImportFormat, ImportReport, ImportStatus, RowRejection } from './import-report.js';

const CHUNK = 1_000;
/**
 * Rows checked, or decided, before the import lets the event loop take its other work (~5 ms of
 * it): a chunk checked or decided in one go held the loop 35–65 ms, and every round trip of the
 * chunk being appended meanwhile (its transaction's six) waited that long for its answer to be read.
 */
const ROWS_PER_SLICE = 100;
/**
 * Chunks handed over at once: one being appended, the next one decided and waiting for it, and a
 * third reading its cases and being decided meanwhile (when it names none of the others' cases,
 * events or households): two were not enough to have the next chunk decided by the time the
 * previous one was written.
 */
const CHUNKS_IN_FLIGHT = 3;
/** Resolves once the event loop has handled the I/O that is ready (setImmediate runs after the poll phase). */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
/** What an interrupted import says, with the rows it recorded (counted from the event log). */
const interrupted = (recorded: number) =>
  `Import interrompu (arrêt du service) : ${recorded} ligne(s) enregistrée(s) ; renvoyez le fichier, elles ne le seront pas deux fois.`;
const MAX_LISTED = 10_000;
/** A cancellation row: the lease it cancels (its bailleur, case and reference) and why, as POST /v1/leases/{leaseId}/cancellation. */
const leaseCancellationSchema = leaseLocatorSchema
  .extend({
    leaseId: referenceId('Référence du bail'),
    reason: freeText('Motif de l’annulation', { max: 500, required: 'Motif obligatoire.' }),
  })
  .strict();
/** A correction row: the lease's whole new version and why, as POST /v1/leases/{leaseId}/corrections. */
const leaseCorrectionSchema = z
  .object({
    eventId: z.string().optional(),
    reason: freeText('Motif de la correction', { max: 500, required: 'Motif obligatoire.' }),
    lease: recordSignedLeaseSchema.omit({ eventId: true }),
  })
  .strict();

const SCHEMAS: Record<RowKind, z.ZodType> = {
  lease: recordSignedLeaseSchema,
  lease_cancellation: leaseCancellationSchema,
  lease_correction: leaseCorrectionSchema,
  cal_decision: calDecisionSchema,
  // In a file, a refusal names its case itself (in the API it is in the path).
  offer_declined: withConfirmableNumeroUnique(offerDeclinedShape.extend({ caseId: referenceId('Référence du dossier') })),
};
/** How long an import waits for an unreachable database before it shows `interrompu` (60 s). */
const IMPORT_OUTAGE_WAIT_MS = 60_000;
/** The first wait before a step is run again against an unreachable database. */
const IMPORT_OUTAGE_RETRY_MS = 500;
const EVENT_TYPE: Record<RowKind, string> = {
  lease: 'LeaseSigned',
  cal_decision: 'CalDecisionRecorded',
  offer_declined: 'OfferDeclined',
  lease_cancellation: 'LeaseCancelled',
  lease_correction: 'LeaseCorrected',
};

/** Where a refused rule points in the row. */
const FIELD_OF_CODE: Record<string, string> = {
  COMMUNE_UNKNOWN: 'flat.communeInsee',
  COMMUNE_NOT_IN_EPCI: 'flat.communeInsee',
  QPV_UNKNOWN: 'flat.qpvCode',
  QPV_NOT_IN_FORCE: 'flat.qpvCode',
  LEASE_DATE_IN_FUTURE: 'leaseDate',
  CAL_DATE_IN_FUTURE: 'calDate',
  LEASE_ALREADY_SIGNED: 'caseId',
  LEASE_PROBABLE_DUPLICATE: 'leaseId',
  CASE_ALREADY_LEASED: 'caseId',
  LEASE_AFTER_DECLINED_OFFER: 'household.numeroUnique',
  LEASE_NOT_FOUND: 'leaseId',
  LEASE_CORRECTION_EMPTY: 'leaseId',
  OFFER_NOT_FOUND: 'numeroUnique',
  CAL_CANDIDATES_INVALID: 'candidates',
  EVENT_ID_CONFLICT: 'eventId',
  BAILLEUR_NOT_REGISTERED: 'bailleurId',
  RESERVATAIRE_NOT_REGISTERED: 'reservataireId',
  EPCI_NOT_REGISTERED: 'flat.epciSiren',
  QPV_NOT_IN_COMMUNE: 'flat.qpvCode',
  CASE_MISMATCH: 'caseId',
};

/** The fact a valid row records: household numbers replaced by their pseudonyms. */
function toFact(kind: RowKind, input: Record<string, unknown>, pseudonymise: Pseudonymise): Record<string, unknown> {
  switch (kind) {
    case 'lease':
      return toLeaseSignedData(input as never, pseudonymise) as unknown as Record<string, unknown>;
    case 'cal_decision':
      return toCalDecisionData(input as never, pseudonymise) as unknown as Record<string, unknown>;
    case 'offer_declined':
      return toOfferDeclinedData(input as never, pseudonymise) as unknown as Record<string, unknown>;
    case 'lease_cancellation':
      return input;
    case 'lease_correction': {
      const { lease, reason } = input as { lease: Record<string, unknown>; reason: string };
      return { lease: toLeaseSignedData({ ...lease, eventId: undefined } as never, pseudonymise), reason };
    }
  }
}

/** The case a fact is about (a correction's is its lease's): bailleur and case reference name its stream. */
function caseOf(kind: RowKind, fact: Record<string, unknown>): { bailleurId: string; caseId: string } {
  const about = (kind === 'lease_correction' ? fact.lease : fact) as { bailleurId: string; caseId: string };
  return { bailleurId: about.bailleurId, caseId: about.caseId };
}

/** Event id of a row: the one it gives, else a hash of its content, so sending a file again records nothing twice. */
function rowEventId(kind: RowKind, data: unknown, given: unknown): string {
  if (isUuid(given)) return given.toLowerCase();
  return uuidFromText(`vigie-import|${kind}|${canonicalJson(data)}`);
}

/** The row's reference for the report: its lease reference, else its case reference. */
function referenceOf(row: Pick<ParsedRow, 'body'>): string | null {
  // A correction names its lease inside its new version.
  const lease = row.body.lease as Record<string, unknown> | undefined;
  const { leaseId, caseId } = lease !== null && typeof lease === 'object' ? lease : row.body;
  const reference = typeof leaseId === 'string' ? leaseId : typeof caseId === 'string' ? caseId : null;
  return reference;
}

/** The value refused, as the file gave it: the CSV cell, or the NDJSON field's value. */
function valueOf(row: Pick<ParsedRow, 'cells' | 'body'>, path: string | null, field: string | null): string | null {
  if (path === null || field === null) return null;
  if (row.cells) return row.cells[field] ?? null;
  let value: unknown = row.body;
  for (const key of path.split('.'))
    value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
  if (value === undefined) return null;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** The facts the referential is asked about (a lease, a CAL decision, a correction's new version). */
type ReferentialFact = Parameters<LeaseReferentialService['contextForFact']>[0];
/** The referential context of a fact, for one import. */
type FactReferential = (fact: ReferentialFact) => Promise<LeaseReferentialContext>;

/** Where rows refused are counted and listed: an import's report, or a chunk's own list until it is written. */
type Rejections = Pick<ImportReport, 'rejected' | 'rejections'>;

/** A chunk read and checked, not yet decided: how many rows it had, the valid ones, and the others' rejections. */
interface CheckedChunk {
  readonly rows: number;
  readonly valid: ValidRow[];
  readonly rejections: Rejections;
}

interface ValidRow extends Pick<ParsedRow, 'cells' | 'body'> {
  readonly line: number;
  readonly kind: RowKind;
  readonly columns: 'csv' | 'ndjson';
  readonly eventId: string;
  readonly streamId: string;
  readonly data: Record<string, unknown>;
  /** A lease row whose bailleur confirms it is another lease than the same one already recorded (`confirme_doublon`). */
  readonly confirmDuplicate: boolean;
  /** A lease's or a correction's new version's identity (each is checked for a copy of another lease in force); null for other rows. */
  readonly identity: LeaseIdentity | null;
}

/** A chunk's valid rows with what deciding them needs: the report they count in, the import's referential, who and when. */
interface ChunkRows {
  readonly report: ImportReport;
  readonly valid: ValidRow[];
  readonly referential: FactReferential;
  readonly actor: string;
  readonly now: Date;
}

/**
 * Bulk import of CAL decisions, refusals and leases, in the background: each row goes through
 * the same schema and the same decider as the API, chunk by chunk (one read of the chunk's
 * cases, one transaction for its events). A bad row is reported and writes nothing; the good
 * rows are kept; rows already imported are recognised by their event id.
 */
@Injectable()
export class ImportService {
  private readonly logger = new Logger('Import');
  private readonly jobs = new Map<string, ImportReport>();
  /** The lines of a chunk already counted as rejected, per list of rejections (a row lies in one chunk only). */
  private readonly rejectedLines = new WeakMap<Rejections, Set<number>>();
  /** The `imports` table (progress and reports), through TypeORM; the facts themselves go through the pipeline. */
  private readonly imports: Repository<ImportRow>;

  constructor(
    @Inject(DATABASE_POOL) private readonly pool: DatabasePool,
    @Inject(DATA_SOURCE) dataSource: DataSource,
    @Inject(VIGIE_CONFIG) private readonly config: VigieConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly pipeline: CommandPipeline,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly pseudonymiser: Pseudonymiser,
    private readonly referential: LeaseReferentialService,
    private readonly sameLeases: SameLeasesService,
  ) {
    this.imports = dataSource.getRepository(ImportEntity);
  }

  /** Starts importing an uploaded file, which the import now owns: it is read from disk as it goes, then deleted. */
  async start(
    format: ImportFormat,
    file: UploadedFile,
    principal: Principal,
    options: { dryRun?: boolean; sheet?: string } = {},
  ): Promise<ImportReport> {
    const actor = actorOf(principal);
    const report: ImportReport = {
      id: randomUUID(),
      format,
      dryRun: options.dryRun === true,
      encoding: null,
      status: 'en_attente',
      total: null,
      done: 0,
      accepted: 0,
      alreadyImported: 0,
      rejected: 0,
      rejections: [],
      rowsPerSecond: null,
      etaSeconds: null,
      startedAt: parisTimestamp(new Date()),
      finishedAt: null,
      error: null,
    };
    file.keep();
    this.jobs.set(report.id, report);
    await this.imports.insert({
      id: report.id,
      format,
      status: report.status,
      actor,
      report,
      ownerRole: principal.role,
      ownerTenant: principal.tenant,
    });
    setImmediate(() => void this.run(report, file, principal, options.sheet).finally(() => file.discard()));
    return report;
  }

  async get(id: string): Promise<ImportReport | undefined> {
    const live = this.jobs.get(id);
    if (live) return live;
    if (!isUuid(id)) return undefined;
    const stored = (await this.imports.findOne({ select: { report: true }, where: { id } }))?.report;
    // A job of a process that stopped mid-way: say so, with what it recorded, rather than show it forever running.
    const running = stored && (stored.status === 'en_attente' || stored.status === 'en_cours');
    const silentFor = Date.now() - Date.parse(stored?.updatedAt ?? stored?.startedAt ?? '');
    return running && !(silentFor < this.config.IMPORT_STALE_AFTER_S * 1_000) ? this.markInterrupted(stored) : stored;
  }

  /**
   * Records once that a job stopped: the events it wrote are counted from the log (progress is
   * saved after each chunk, so the chunk in flight may be written and not counted), and the
   * report is saved as `interrompu` with that count, unless its process saved progress meanwhile;
   * a job that had saved every row is `termine` (markFinished).
   */
  private async markInterrupted(stored: ImportReport): Promise<ImportReport> {
    // Every row written and counted (progress is saved after each chunk is written): the process
    // stopped between its last chunk and the final save, and the import is complete.
    if (stored.total !== null && stored.done >= stored.total) return this.markFinished(stored);
    const { rows } = await this.pool.query<{ n: string }>("SELECT count(*) AS n FROM events WHERE metadata->>'importId' = $1", [
      stored.id,
    ]);
    const recorded = Number(rows[0]?.n ?? 0);
    const report: ImportReport = {
      ...stored,
      status: 'interrompu',
      rowsPerSecond: null,
      etaSeconds: null,
      recorded,
      error: interrupted(recorded),
    };
    return this.saveUnlessResumed(stored, report);
  }

  /** Saves `report` as what became of the stopped job `stored`, unless its process saved progress since. */
  private async saveUnlessResumed(stored: ImportReport, report: ImportReport): Promise<ImportReport> {
    await this.imports
      .createQueryBuilder()
      .update()
      .set({ status: report.status, report })
      .where("id = :id AND status IN ('en_attente', 'en_cours') AND report->>'updatedAt' IS NOT DISTINCT FROM :updatedAt", {
        id: stored.id,
        updatedAt: stored.updatedAt ?? null,
      })
      .execute();
    return report;
  }

  /** Records once that a job whose every row was saved, stopped before saying so, is `termine`. */
  private async markFinished(stored: ImportReport): Promise<ImportReport> {
    const report: ImportReport = {
      ...stored,
      status: 'termine',
      etaSeconds: 0,
      finishedAt: stored.updatedAt ?? stored.startedAt,
    };
    return this.saveUnlessResumed(stored, report);
  }

  /**
   * The file's rows, or null when the whole file is refused (reported, nothing written). A CSV or
   * NDJSON file is read from disk chunk by chunk, never whole: once to detect its encoding, once
   * to count its rows (a CSV's columns and records checked then, so that a column unknown, repeated
   * or missing, or a malformed record, refuses it before its first row is written), once to
   * import. An XLSX workbook's sheet is streamed the same way (twice), by exceljs's WorkbookReader.
   */
  private async openFile(
    report: ImportReport,
    file: UploadedFile,
    sheet: string | undefined,
  ): Promise<AsyncIterable<ParsedRow> | Iterable<ParsedRow> | null> {
    let records: () => AsyncIterable<{ line: number; cells: string[] }> | Iterable<{ line: number; cells: string[] }>;
    if (report.format === 'xlsx') {
      records = () => sheetRecords(file.path, sheet);
    } else {
      const encoding = await detectFileEncoding(file.path);
      report.encoding = encoding;
      if (report.format === 'ndjson') {
        report.total = await countNdjsonRows(decodedFile(file.path, encoding));
        return ndjsonRows(decodedFile(file.path, encoding));
      }
      records = () => csvRecords(decodedFile(file.path, encoding));
    }
    let survey;
    try {
      survey = await surveyRecords(records());
    } catch (error) {
      if (error instanceof WorkbookError) {
        this.refuse(report, [
          { line: 0, reference: null, field: null, value: null, code: 'XLSX_UNREADABLE', message: error.message },
        ]);
        return null;
      }
      if (!(error instanceof CsvError)) throw error;
      const line = (error as CsvError & { lines?: number }).lines ?? null;
      this.refuse(report, [
        {
          line: line ?? 0,
          reference: null,
          field: null,
          value: null,
          code: 'CSV_MALFORMED',
          message: `CSV illisible vers la ligne ${line ?? '?'} (guillemet non refermé ou mal placé) : corrigez la ligne, rien n’a été enregistré.`,
        },
      ]);
      return null;
    }
    report.total = survey.rows;
    const columns = matchColumns(survey.header, survey.kinds);
    if (!columns.ok) {
      this.refuse(
        report,
        columns.problems.map((problem) => ({
          line: 1,
          reference: null,
          field: maskNumeroUniqueLike(problem.column),
          value: null,
          code: problem.code,
          message: maskNumeroUniqueLike(`${problem.message} ; rien n’a été enregistré.`),
        })),
      );
      return null;
    }
    // A header and nothing under it (the model downloaded and sent back, a filter that kept no
    // row): said, never a silent « terminé, 0 ligne ».
    if (survey.rows === 0 && survey.header.length) {
      this.refuse(report, [
        {
          line: 1,
          reference: null,
          field: null,
          value: null,
          code: 'NO_ROWS',
          message:
            'Le fichier ne contient que sa ligne d’en-tête : aucune ligne à importer sous les noms de colonnes ; rien n’a été enregistré.',
        },
      ]);
      return null;
    }
    return rowsOf(records());
  }

  private refuse(report: ImportReport, rejections: RowRejection[]): void {
    report.status = 'refuse';
    report.rejections.push(...rejections);
    report.error = 'Fichier refusé en entier, rien n’a été enregistré : voir les refus ligne à ligne du rapport.';
  }

  private async run(report: ImportReport, file: UploadedFile, principal: Principal, sheet?: string): Promise<void> {
    const started = Date.now();
    try {
      report.status = 'en_cours';
      const rows = await this.openFile(report, file, sheet);
      if (!rows) return;
      const total = report.total ?? 0;
      const referential = this.referentialOf(this.referential.lookup(true));
      let chunk: ParsedRow[] = [];
      // The chunks handed over and not yet done (done once its rows are counted and its progress
      // saved), oldest first, each with what its rows name; and the last one handed over.
      const inFlight: { readonly names: ReadonlySet<string>; readonly done: Promise<void>; settled: boolean }[] = [];
      let last: Promise<void> = Promise.resolve();
      const writeChunk = async (checked: CheckedChunk, previous: Promise<void>, ahead: Promise<BatchOutcome[] | undefined>) => {
        // Nothing of this chunk reaches the report before the previous chunk is counted and saved.
        await previous;
        let decided = await ahead;
        await this.despiteOutage(report, () => {
          // What was decided ahead answers the first attempt only.
          const given = decided;
          decided = undefined;
          return this.writeChunk(report, checked, referential, principal, given);
        });
        report.done += checked.rows;
        const seconds = (Date.now() - started) / 1_000;
        report.rowsPerSecond = Math.round(report.done / Math.max(seconds, 0.001));
        report.etaSeconds = Math.ceil((total - report.done) / Math.max(report.rowsPerSecond, 1));
        // Saved after every chunk: an import stopped by a crash shows what it recorded, give or take the chunk in flight.
        await this.despiteOutage(report, () => this.saveProgress(report));
      };
      const nextChunk = async () => {
        const parsed = chunk;
        chunk = [];
        const checked = await this.checkChunk(parsed, principal);
        // At most CHUNKS_IN_FLIGHT chunks handed over: one being appended, the next ones read and decided meanwhile.
        while (inFlight[0]?.settled) inFlight.shift();
        while (inFlight.length >= CHUNKS_IN_FLIGHT) await inFlight.shift()!.done;
        // Chunks are decided in file order, each on the state the chunks before it recorded: a chunk
        // that names none of the cases, events or households of the chunks not yet recorded cannot
        // see anything they write, so it is decided while they are appended, and appended after them.
        const names = namesOf(checked.valid);
        const previous = last;
        const ahead = inFlight.every((other) => other.settled || disjoint(names, other.names))
          ? this.decideAhead(report, checked.valid, previous, referential, principal)
          : Promise.resolve(undefined);
        const entry = { names, done: writeChunk(checked, previous, ahead), settled: false };
        // Awaited when the window is full or at the end; until then its failure is not unhandled.
        entry.done.then(
          () => (entry.settled = true),
          () => undefined,
        );
        inFlight.push(entry);
        last = entry.done;
      };
      // Rows are parsed chunk by chunk as the import goes: never the whole file's rows at once.
      for await (const row of rows) {
        chunk.push(row);
        if (chunk.length === CHUNK) await nextChunk();
      }
      if (chunk.length) await nextChunk();
      await last;
      report.status = 'termine';
      report.etaSeconds = 0;
    } catch (error) {
      if (isDatabaseUnavailable(error)) {
        report.status = 'interrompu';
        report.error =
          'La base de données est restée injoignable pendant l’import ; ce qu’il a enregistré est conservé : ' +
          'renvoyez le fichier, rien ne sera enregistré deux fois.';
        this.logger.warn(`Import ${report.id} interrupted: the database stayed unreachable`);
      } else {
        report.status = 'echoue';
        report.error = 'Erreur interne pendant l’import ; les lignes déjà traitées sont conservées.';
        this.logger.error(`Import ${report.id} failed: ${(error as Error).stack}`);
      }
    } finally {
      report.finishedAt = parisTimestamp(new Date());
      report.rejections.sort((a, b) => a.line - b.line);
      await this.imports
        .update({ id: report.id }, { status: report.status, finishedAt: () => 'now()', report })
        .catch((error) => this.logger.error(`Import ${report.id}: report not saved (${(error as Error).message})`));
      this.logger.log(
        `Import ${report.id}: ${report.accepted} accepted, ${report.alreadyImported} already imported, ${report.rejected} rejected, ${report.total ?? 0} rows in ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
      // Keep the finished report in memory a while for quick polls; the table keeps it for good.
      setTimeout(() => this.jobs.delete(report.id), 10 * 60_000).unref();
    }
  }

  /**
   * One step of an import (a chunk, its progress) run again while the database is unreachable (a
   * restart, a failover), from the counts it started with, every IMPORT_OUTAGE_RETRY_MS doubling
   * up to 5 s, for at most IMPORT_OUTAGE_WAIT_MS: a chunk is one transaction and its rows carry
   * their event ids, so a chunk written before the connection dropped is found already imported.
   * Past the wait, the error goes up and the import shows `interrompu`.
   */
  private async despiteOutage<T>(report: ImportReport, step: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + IMPORT_OUTAGE_WAIT_MS;
    const { accepted, alreadyImported, rejected } = report;
    const listed = report.rejections.length;
    for (let wait = IMPORT_OUTAGE_RETRY_MS; ; wait = Math.min(wait * 2, 5_000)) {
      try {
        return await step();
      } catch (error) {
        if (!isDatabaseUnavailable(error) || Date.now() + wait > deadline) throw error;
        Object.assign(report, { accepted, alreadyImported, rejected });
        report.rejections.length = listed;
        this.logger.warn(`Import ${report.id}: database unreachable, step run again in ${wait} ms`);
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  }

  /** Progress saved after each chunk: after a crash the report still says what was recorded. */
  private async saveProgress(report: ImportReport): Promise<void> {
    report.updatedAt = parisTimestamp(new Date());
    await this.imports.update(
      { id: report.id },
      { status: report.status, report: { ...report, rejections: report.rejections.slice(0, 1_000) } },
    );
  }

  private reject(
    report: Rejections,
    row: Pick<ParsedRow, 'line' | 'columns' | 'cells' | 'body'>,
    path: string | null,
    code: string,
    message: string,
  ): void {
    // `rejected` counts rows: a row with three bad fields is one rejected row with three reasons.
    const lines = this.rejectedLines.get(report) ?? new Set<number>();
    this.rejectedLines.set(report, lines);
    if (!lines.has(row.line)) {
      lines.add(row.line);
      report.rejected += 1;
    }
    if (report.rejections.length < MAX_LISTED) {
      const field = path === null ? null : fieldName(path, row.columns);
      // A report echoes what the file said: nothing that looks like a numéro unique stays in clear.
      const value = valueOf(row, path, field);
      report.rejections.push({
        line: row.line,
        reference: referenceOf(row),
        field,
        value: value === null ? null : maskNumeroUniqueLike(value),
        code,
        message: maskNumeroUniqueLike(message),
      });
    }
  }

  private async validateRows(report: Rejections, rows: ParsedRow[], principal: Principal): Promise<ValidRow[]> {
    const pseudonymise = (numeroUnique: string) => this.pseudonymiser.pseudonymise(numeroUnique);
    const valid: ValidRow[] = [];
    for (const [index, row] of rows.entries()) {
      // A slice of rows at a time: the answers the chunk being appended waits for are read in between.
      if (index > 0 && index % ROWS_PER_SLICE === 0) await nextTurn();
      if (!row.kind) {
        if (row.parseError === 'json')
          this.reject(report, row, null, 'MALFORMED_JSON', 'Ligne qui n’est pas un objet JSON valide.');
        else
          this.reject(
            report,
            row,
            'type',
            'INVALID_VALUE',
            'Type de ligne attendu : bail, decision_cal, refus_offre, annulation_bail ou correction_bail (CSV) ; lease, cal_decision, offer_declined, lease_cancellation ou lease_correction (NDJSON).',
          );
        continue;
      }
      // One message per bad value: a cell refused while reading is not reported again by the schema.
      const refused = new Set<string>();
      for (const problem of row.problems ?? []) {
        this.reject(report, row, problem.path, problem.code, problem.message);
        refused.add(fieldName(problem.path, row.columns));
      }
      const result = validate(SCHEMAS[row.kind], row.body);
      if (!result.ok) {
        for (const problem of result.errors) {
          if (!refused.has(fieldName(problem.path, row.columns)))
            this.reject(report, row, problem.path, problem.code, problem.message);
        }
        continue;
      }
      if (refused.size) continue;
      const { eventId: given, ...input } = result.data as Record<string, unknown>;
      const fact = toFact(row.kind, input, pseudonymise);
      const about = caseOf(row.kind, fact);
      // A bailleur's key imports that bailleur's facts only.
      if (principal.role === 'bailleur' && about.bailleurId !== principal.tenant) {
        this.reject(report, row, 'bailleurId', 'TENANT_FORBIDDEN', errorEntry('TENANT_FORBIDDEN')[1]);
        continue;
      }
      const eventId = rowEventId(row.kind, fact, given);
      valid.push({
        identity: identityOf(row.kind, fact),
        line: row.line,
        kind: row.kind,
        columns: row.columns,
        cells: row.cells,
        body: row.body,
        eventId,
        streamId: attributionStreamId(about.bailleurId, about.caseId),
        data: fact,
        confirmDuplicate:
          (row.kind === 'lease_correction'
            ? (input.lease as { confirmeDoublon?: boolean }).confirmeDoublon
            : input.confirmeDoublon) === true,
      });
    }
    return valid;
  }

  /**
   * A chunk's rows read and checked against the schemas, nothing read from the database: done
   * while the previous chunk is being appended. Its rejections are the chunk's own until it is written.
   */
  private async checkChunk(rows: ParsedRow[], principal: Principal): Promise<CheckedChunk> {
    const rejections: Rejections = { rejected: 0, rejections: [] };
    return { rows: rows.length, valid: await this.validateRows(rejections, rows, principal), rejections };
  }

  /**
   * One checked chunk through the command pipeline: its rejections added to the report, then
   * every valid row decided in file order on its case's state (as the API would), the accepted
   * ones appended in one transaction. A file sent again is recognised row by row by its event
   * ids; a row the rules refuse is reported and writes nothing.
   */
  private async writeChunk(
    report: ImportReport,
    checked: CheckedChunk,
    referential: FactReferential,
    principal: Principal,
    decided?: BatchOutcome[],
  ): Promise<void> {
    this.rejectedLines.set(report, new Set());
    report.rejected += checked.rejections.rejected;
    report.rejections.push(...checked.rejections.rejections.slice(0, Math.max(0, MAX_LISTED - report.rejections.length)));
    if (!checked.valid.length) return;
    await this.appendRows(this.chunkRows(report, checked.valid, referential, principal), decided);
  }

  /**
   * A chunk's rows decided through the pipeline while the previous chunk is still being appended,
   * their append held until that chunk is counted and saved (never before: rows are appended in
   * file order, and a failed chunk stops the import before the next is written). Any failure
   * here (the previous chunk's included) gives undefined: the chunk is then decided again as
   * usual, once the previous one is done, where a failure is handled as for any chunk.
   */
  private async decideAhead(
    report: ImportReport,
    valid: ValidRow[],
    previous: Promise<void>,
    referential: FactReferential,
    principal: Principal,
  ): Promise<BatchOutcome[] | undefined> {
    if (!valid.length) return undefined;
    const pipeline = new CommandPipeline(appendingAfter(this.store, previous));
    return this.decideRows(pipeline, this.chunkRows(report, valid, referential, principal)).catch(() => undefined);
  }

  /** A chunk's valid rows with what deciding them needs, for the principal importing now. */
  private chunkRows(report: ImportReport, valid: ValidRow[], referential: FactReferential, principal: Principal): ChunkRows {
    return { report, valid, referential, actor: actorOf(principal), now: this.clock() };
  }

  /**
   * Rows through the pipeline's batch: decided in file order, the accepted ones appended in one
   * transaction. A batch PostgreSQL refuses (SQLSTATE class 22: a value it cannot store that
   * validation let through) is split in halves, down to the row at fault, which becomes a
   * rejected row: a bad row never takes good rows down with it.
   */
  private async appendRows(rows: ChunkRows, decided?: BatchOutcome[]): Promise<void> {
    const { report, valid } = rows;
    let outcomes;
    try {
      outcomes = decided ?? (await this.decideRows(this.pipeline, rows));
    } catch (error) {
      if (!isDataException(error)) throw error;
      if (valid.length === 1)
        return this.reject(report, valid[0]!, null, 'VALUE_NOT_STORABLE', errorEntry('VALUE_NOT_STORABLE')[1]);
      const half = Math.ceil(valid.length / 2);
      await this.appendRows({ ...rows, valid: valid.slice(0, half) });
      await this.appendRows({ ...rows, valid: valid.slice(half) });
      return;
    }
    const cancelled = await this.cancelledSince(
      valid.filter((row, index) => {
        const result = outcomes[index];
        return row.kind === 'lease' && result?.ok === true && result.outcome.alreadyRecorded;
      }),
    );
    outcomes.forEach((result, index) => {
      const row = valid[index]!;
      if (result.ok) {
        // Recorded by an earlier send and cancelled since (an import undone, a lease cancelled): it
        // does not count, and sending it again does not bring it back — said, never « déjà importé ».
        if (result.outcome.alreadyRecorded && cancelled.has(row.streamId))
          this.reject(report, row, 'leaseId', 'LEASE_CANCELLED_SINCE', errorEntry('LEASE_CANCELLED_SINCE')[1]);
        else if (result.outcome.alreadyRecorded) report.alreadyImported += 1;
        else report.accepted += 1;
      } else if (result.error instanceof EventIdConflictError) {
        this.reject(report, row, 'eventId', 'EVENT_ID_CONFLICT', errorEntry('EVENT_ID_CONFLICT')[1]);
      } else if (isDomainError(result.error) && isErrorCode(result.error.code)) {
        const { code, details } = result.error;
        const detail = errorDetail(code, details);
        this.reject(
          report,
          row,
          // A correction's lease facts lie under `lease.` (its CSV columns are the lease's own).
          FIELD_OF_CODE[code] ? `${row.kind === 'lease_correction' ? 'lease.' : ''}${FIELD_OF_CODE[code]}` : null,
          code,
          detail ? `${errorEntry(code)[1]} ${detail}` : errorEntry(code)[1],
        );
      } else {
        throw result.error;
      }
    });
  }

  /**
   * Of lease rows an earlier send recorded, the cases (stream ids) whose last lease event is a
   * cancellation: their lease is no longer in force. One query on the cases' streams (index on
   * stream id and version), none when no row was recorded before.
   */
  private async cancelledSince(rows: readonly ValidRow[]): Promise<Set<string>> {
    if (!rows.length) return new Set();
    const { rows: last } = await this.pool.query<{ stream_id: string }>(
      `SELECT stream_id FROM (
         SELECT DISTINCT ON (stream_id) stream_id, event_type FROM events
         WHERE stream_id = ANY($1) AND event_type IN ('LeaseSigned', 'LeaseCorrected', 'LeaseCancelled')
         ORDER BY stream_id, stream_version DESC
       ) AS latest WHERE event_type = 'LeaseCancelled'`,
      [[...new Set(rows.map((row) => row.streamId))]],
    );
    return new Set(last.map((row) => row.stream_id));
  }

  /** Rows decided in file order through `pipeline`'s batch, the accepted ones appended in one transaction; the report untouched. */
  private decideRows(pipeline: CommandPipeline, rows: ChunkRows): Promise<BatchOutcome[]> {
    const { report, valid, referential, actor, now } = rows;
    const batch = new BatchLeases();
    // One query per attempt for the whole chunk's recorded leases (rows without a lease get a placeholder identity, never read).
    const identities = valid.map((row) => row.identity ?? NO_IDENTITY);
    // Read while the pipeline reads the chunk's event ids and streams (its first attempt uses it).
    if (identities.some((identity) => identity !== NO_IDENTITY))
      batch.recorded(() => this.sameLeases.findMany(identities)).catch(() => undefined);
    return pipeline.handleBatch(
      valid.map((row, index) => {
        const { identity } = row;
        let recorded: readonly ExistingLease[] = [];
        return {
          streamId: row.streamId,
          decider: identity === null ? attributionDecider : batch.recording(identity, row.eventId),
          eventId: row.eventId,
          metadata: { actor, source: 'import', importId: report.id, line: row.line },
          isRetryOf: (previous) => previous.type === EVENT_TYPE[row.kind] && isRetryOf(row, previous.data),
          command: async () => {
            if (index > 0 && index % ROWS_PER_SLICE === 0) await nextTurn();
            batch.attempt(index);
            if (identity !== null) recorded = (await batch.recorded(() => this.sameLeases.findMany(identities)))[index]!;
            return this.command(row, referential, now, identity === null ? [] : [...recorded, ...batch.decided(identity)]);
          },
          // Checked against what was recorded (the batch's own leases are appended with it).
          condition: () => (identity === null ? undefined : this.sameLeases.condition(identity, recorded)),
        };
      }),
      { dryRun: report.dryRun },
    );
  }

  /**
   * What the referential says of a fact, gathered once per import for each combination of
   * bailleur, réservataire, commune, EPCI and QPV: it depends on these alone, and the import's
   * cached lookup reads each of them once anyway, so rows that share them share one context
   * instead of each gathering it again. A gathering that failed (the database away) is tried again.
   */
  private referentialOf(lookup: ReferentialLookup): FactReferential {
    const contexts = new Map<string, Promise<LeaseReferentialContext>>();
    return (fact) => {
      const { bailleurId, reservataireId, flat } = fact;
      const key = compositeKey('import-referential', bailleurId, reservataireId, flat.communeInsee, flat.epciSiren, flat.qpvCode);
      let context = contexts.get(key);
      if (!context) {
        context = this.referential.contextForFact(fact, lookup);
        contexts.set(key, context);
        context.catch(() => contexts.delete(key));
      }
      return context;
    };
  }

  private async command(
    row: ValidRow,
    referential: FactReferential,
    now: Date,
    sameLeases: readonly ExistingLease[],
  ): Promise<AttributionCommand> {
    const data = row.data as never as ReferentialFact;
    switch (row.kind) {
      case 'lease':
        return {
          type: 'RecordSignedLease',
          data: row.data as never,
          referential: await referential(data),
          now,
          sameLeases,
          confirmDuplicate: row.confirmDuplicate,
        };
      case 'cal_decision':
        return {
          type: 'RecordCalDecision',
          data: row.data as never,
          referential: await referential(data),
          now,
        };
      case 'offer_declined':
        return { type: 'DeclineOffer', data: row.data as never, now };
      case 'lease_cancellation':
        return { type: 'CancelLease', data: row.data as never };
      case 'lease_correction': {
        const { lease } = row.data as { lease: ReferentialFact };
        return {
          type: 'CorrectLease',
          data: row.data as never,
          referential: await referential(lease),
          now,
          sameLeases,
          confirmDuplicate: row.confirmDuplicate,
        };
      }
    }
  }
}

/**
 * Whether the event already recorded under a row's event id is that row's (a file sent again):
 * the stored fact also carries what Vigie links to it (the CAL decision, the event it cancels or
 * corrects), so the bailleur's facts only are compared.
 */
function isRetryOf(row: ValidRow, previous: unknown): boolean {
  switch (row.kind) {
    case 'lease_cancellation':
      return jsonEqual({ ...(previous as object), cancelsEventId: undefined }, row.data);
    case 'lease_correction': {
      const { lease, reason } = previous as { lease: object; reason: string };
      const mine = row.data as { lease: object; reason: string };
      return reason === mine.reason && jsonEqual(bailleurFactsOf(lease), bailleurFactsOf(mine.lease));
    }
    default:
      return jsonEqual(bailleurFactsOf(previous as object), row.data);
  }
}

/**
 * The leases a batch has decided so far, by identity: a file holding the same lease twice under
 * two references is refused on the second row, as two requests would be. The pipeline decides a
 * batch again from its first row when a write was lost to a concurrent writer: what the lost
 * attempt decided is forgotten then.
 */
const NO_IDENTITY: LeaseIdentity = { bailleurId: '', householdId: '', rplsId: '', leaseDate: '' };

/** The identity of a fact of `kind` that is a lease or a correction's new version; null for other facts. */
function identityOf(kind: RowKind, fact: Record<string, unknown>): LeaseIdentity | null {
  if (kind === 'lease') return leaseIdentityOf(fact as never as LeaseSignedData);
  if (kind === 'lease_correction') return leaseIdentityOf((fact as never as { lease: LeaseSignedData }).lease);
  return null;
}

/** The cases, event ids and households a chunk's rows name: all that its decisions read of the log, beyond the referential. */
function namesOf(rows: readonly ValidRow[]): Set<string> {
  const names = new Set<string>();
  for (const row of rows) {
    names.add(`stream:${row.streamId}`);
    names.add(`event:${row.eventId}`);
    if (row.identity) names.add(`household:${row.identity.householdId}`);
  }
  return names;
}

const disjoint = (a: ReadonlySet<string>, b: ReadonlySet<string>) => ![...a].some((name) => b.has(name));

/** `store`, its appends held until `before` settles (and refused if it failed). */
function appendingAfter(store: EventStore, before: Promise<unknown>): EventStore {
  return new Proxy(store, {
    get(target, property) {
      if (property === 'appendMany')
        return async (...args: Parameters<EventStore['appendMany']>) => {
          await before;
          return target.appendMany(...args);
        };
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** A lease identity as a map key (its four parts, none of which holds a NUL). */
const identityKey = (identity: LeaseIdentity) =>
  `${identity.bailleurId}\u0000${identity.householdId}\u0000${identity.rplsId}\u0000${identity.leaseDate}`;

class BatchLeases {
  private readonly byIdentity = new Map<string, ExistingLease[]>();
  private last = -1;

  /** Called before each row is decided, in order: a row at or before the last one starts a new attempt. */
  attempt(index: number): void {
    if (index <= this.last) {
      this.byIdentity.clear();
      this.recordedLeases = undefined;
    }
    this.last = index;
  }

  private recordedLeases: Promise<ExistingLease[][]> | undefined;

  /** The recorded leases of every row's identity, read once per attempt (`read`: one query for the chunk). */
  recorded(read: () => Promise<ExistingLease[][]>): Promise<ExistingLease[][]> {
    this.recordedLeases ??= read();
    return this.recordedLeases;
  }

  decided(identity: LeaseIdentity): readonly ExistingLease[] {
    return this.byIdentity.get(identityKey(identity)) ?? [];
  }

  /** The attribution decider of a row, remembering the lease it accepts (recorded under `eventId`) with this identity. */
  recording(identity: LeaseIdentity, eventId: string): typeof attributionDecider {
    return {
      ...attributionDecider,
      decide: (command, state) => {
        const events = attributionDecider.decide(command, state);
        for (const event of events) {
          if (event.type !== 'LeaseSigned' && event.type !== 'LeaseCorrected') continue;
          const key = identityKey(identity);
          const { leaseId, caseId } = event.type === 'LeaseSigned' ? event.data : event.data.lease;
          this.byIdentity.set(key, [...(this.byIdentity.get(key) ?? []), { leaseId, caseId, eventId }]);
        }
        return events;
      },
    };
  }
}
