import { referenceId } from '../http/identifiers.js';
import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { z } from 'zod';
import {
  attributionDecider,
  attributionStreamId,
  canonicalJson,
  isDomainError,
  type AttributionCommand,
  type AttributionEvent,
  type AttributionState,
} from '@vigie/domain';
import { EventIdConflictError, jsonEqual, WrongExpectedVersionError, type NewEvent, type StreamAppend } from '@vigie/event-store';
import { errorEntry } from '../http/error-table.js';
import { LeaseReferentialService, type ReferentialLookup } from '../leases/lease-referential.service.js';
import {
  recordSignedLeaseSchema,
  toLeaseSignedData,
  type Pseudonymise,
} from '../leases/record-signed-lease/record-signed-lease.schema.js';
import { calDecisionSchema, offerDeclinedSchema, toCalDecisionData, toOfferDeclinedData } from '../cal/cal.schemas.js';
import { actorOf, type Principal } from '@vigie/access';
import { validate } from '../http/validation.js';
import { isUuid } from '../http/params.js';
import { RUNTIME, type Runtime } from '../runtime/runtime.js';
import { uuidFromText } from '@vigie/event-store';
import { csvRows, fieldName, ndjsonRows, type ParsedRow, type RowKind } from './import-format.js';

export type ImportFormat = 'csv' | 'ndjson';
export type ImportStatus = 'en_attente' | 'en_cours' | 'termine' | 'echoue';

export interface RowRejection {
  readonly line: number;
  readonly field: string | null;
  readonly code: string;
  readonly message: string;
}

export interface ImportReport {
  readonly id: string;
  readonly format: ImportFormat;
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
  error: string | null;
}

const CHUNK = 1_000;
const MAX_LISTED = 10_000;
const SCHEMAS: Record<RowKind, z.ZodType> = {
  lease: recordSignedLeaseSchema,
  cal_decision: calDecisionSchema,
  // In a file, a refusal names its case itself (in the API it is in the path).
  offer_declined: offerDeclinedSchema.extend({ caseId: referenceId('Référence du dossier') }),
};
const EVENT_TYPE: Record<RowKind, string> = {
  lease: 'LeaseSigned',
  cal_decision: 'CalDecisionRecorded',
  offer_declined: 'OfferDeclined',
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
  CASE_ALREADY_LEASED: 'caseId',
  LEASE_AFTER_DECLINED_OFFER: 'household.numeroUnique',
  OFFER_NOT_FOUND: 'numeroUnique',
  CAL_CANDIDATES_INVALID: 'candidates',
  EVENT_ID_CONFLICT: 'eventId',
};

/** The fact a valid row records: household numbers replaced by their pseudonyms. */
function toFact(kind: RowKind, input: Record<string, unknown>, pseudonymise: Pseudonymise): Record<string, unknown> {
  const fact =
    kind === 'lease'
      ? toLeaseSignedData(input as never, pseudonymise)
      : kind === 'cal_decision'
        ? toCalDecisionData(input as never, pseudonymise)
        : toOfferDeclinedData(input as never, pseudonymise);
  return fact as unknown as Record<string, unknown>;
}

/** Event id of a row: the one it gives, else a hash of its content, so sending a file again records nothing twice. */
function rowEventId(kind: RowKind, data: unknown, given: unknown): string {
  if (isUuid(given)) return given.toLowerCase();
  return uuidFromText(`vigie-import|${kind}|${canonicalJson(data)}`);
}

interface ValidRow {
  readonly line: number;
  readonly kind: RowKind;
  readonly columns: 'csv' | 'ndjson';
  readonly eventId: string;
  readonly streamId: string;
  readonly data: Record<string, unknown>;
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

  constructor(
    @Inject(RUNTIME) private readonly runtime: Runtime,
    private readonly referential: LeaseReferentialService,
  ) {}

  async start(format: ImportFormat, content: string, principal: Principal): Promise<ImportReport> {
    const actor = actorOf(principal);
    const report: ImportReport = {
      id: randomUUID(),
      format,
      status: 'en_attente',
      total: null,
      done: 0,
      accepted: 0,
      alreadyImported: 0,
      rejected: 0,
      rejections: [],
      rowsPerSecond: null,
      etaSeconds: null,
      startedAt: new Date().toISOString(),
      finishedAt: null,
      error: null,
    };
    this.jobs.set(report.id, report);
    await this.runtime.pool.query(
      'INSERT INTO imports (id, format, status, actor, report, owner_role, owner_tenant) VALUES ($1, $2, $3, $4, $5, $6, $7)',
      [report.id, format, report.status, actor, JSON.stringify(report), principal.role, principal.tenant],
    );
    setImmediate(() => void this.run(report, content, principal));
    return report;
  }

  async get(id: string): Promise<ImportReport | undefined> {
    const live = this.jobs.get(id);
    if (live) return live;
    if (!isUuid(id)) return undefined;
    const { rows } = await this.runtime.pool.query<{ report: ImportReport }>('SELECT report FROM imports WHERE id = $1', [id]);
    const stored = rows[0]?.report;
    // A job of a process that stopped mid-way: say so rather than show it forever running.
    return stored && stored.status === 'en_cours'
      ? { ...stored, status: 'echoue', error: 'Import interrompu (redémarrage du service) : renvoyez le fichier.' }
      : stored;
  }

  private async run(report: ImportReport, content: string, principal: Principal): Promise<void> {
    const started = Date.now();
    try {
      report.status = 'en_cours';
      const rows = report.format === 'csv' ? csvRows(content) : ndjsonRows(content);
      report.total = rows.length;
      const lookup = this.referential.lookup(true);
      for (let start = 0; start < rows.length; start += CHUNK) {
        await this.importChunk(report, rows.slice(start, start + CHUNK), lookup, principal, report.id);
        report.done = Math.min(rows.length, start + CHUNK);
        const seconds = (Date.now() - started) / 1_000;
        report.rowsPerSecond = Math.round(report.done / Math.max(seconds, 0.001));
        report.etaSeconds = Math.ceil((rows.length - report.done) / Math.max(report.rowsPerSecond, 1));
      }
      report.status = 'termine';
      report.etaSeconds = 0;
    } catch (error) {
      report.status = 'echoue';
      report.error = 'Erreur interne pendant l’import ; les lignes déjà traitées sont conservées.';
      this.logger.error(`Import ${report.id} failed: ${(error as Error).stack}`);
    } finally {
      report.finishedAt = new Date().toISOString();
      report.rejections.sort((a, b) => a.line - b.line);
      await this.runtime.pool
        .query('UPDATE imports SET status = $2, finished_at = now(), report = $3 WHERE id = $1', [
          report.id,
          report.status,
          JSON.stringify(report),
        ])
        .catch((error) => this.logger.error(`Import ${report.id}: report not saved (${(error as Error).message})`));
      this.logger.log(
        `Import ${report.id}: ${report.accepted} accepted, ${report.alreadyImported} already imported, ${report.rejected} rejected, ${report.total ?? 0} rows in ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
      // Keep the finished report in memory a while for quick polls; the table keeps it for good.
      setTimeout(() => this.jobs.delete(report.id), 10 * 60_000).unref();
    }
  }

  private reject(
    report: ImportReport,
    row: { line: number; columns: 'csv' | 'ndjson' },
    path: string | null,
    code: string,
    message: string,
  ): void {
    report.rejected += 1;
    if (report.rejections.length < MAX_LISTED) {
      report.rejections.push({ line: row.line, field: path === null ? null : fieldName(path, row.columns), code, message });
    }
  }

  private validateRows(report: ImportReport, rows: ParsedRow[], principal: Principal): ValidRow[] {
    const pseudonymise = (numeroUnique: string) => this.runtime.pseudonymiser.pseudonymise(numeroUnique);
    const valid: ValidRow[] = [];
    for (const row of rows) {
      if (!row.kind) {
        if (row.parseError === 'json')
          this.reject(report, row, null, 'MALFORMED_JSON', 'Ligne qui n’est pas un objet JSON valide.');
        else
          this.reject(
            report,
            row,
            'type',
            'INVALID_VALUE',
            'Type de ligne attendu : bail, decision_cal ou refus_offre (CSV) ; lease, cal_decision ou offer_declined (NDJSON).',
          );
        continue;
      }
      const result = validate(SCHEMAS[row.kind], row.body);
      if (!result.ok) {
        for (const problem of result.errors) this.reject(report, row, problem.path, problem.code, problem.message);
        continue;
      }
      const { eventId: given, ...input } = result.data as Record<string, unknown>;
      // A bailleur's key imports that bailleur's facts only.
      if (principal.role === 'bailleur' && input.bailleurId !== principal.tenant) {
        this.reject(report, row, 'bailleurId', 'TENANT_FORBIDDEN', errorEntry('TENANT_FORBIDDEN')[1]);
        continue;
      }
      const fact = toFact(row.kind, input, pseudonymise);
      const eventId = rowEventId(row.kind, fact, given);
      valid.push({
        line: row.line,
        kind: row.kind,
        columns: row.columns,
        eventId,
        streamId: attributionStreamId(String(fact.bailleurId), String(fact.caseId)),
        data: fact,
      });
    }
    return valid;
  }

  private async importChunk(
    report: ImportReport,
    rows: ParsedRow[],
    lookup: ReferentialLookup,
    principal: Principal,
    importId: string,
  ): Promise<void> {
    const actor = actorOf(principal);
    const valid = this.validateRows(report, rows, principal);
    if (!valid.length) return;
    const { store } = this.runtime;

    // Rows already recorded: the same content is a file sent again; other content is a conflict.
    const { rows: existing } = await this.runtime.pool.query<{
      event_id: string;
      stream_id: string;
      event_type: string;
      data: Record<string, unknown>;
    }>('SELECT event_id, stream_id, event_type, data FROM events WHERE event_id = ANY($1::uuid[])', [
      valid.map((row) => row.eventId),
    ]);
    const known = new Map(existing.map((row) => [row.event_id, row]));
    const fresh: ValidRow[] = [];
    for (const row of valid) {
      const previous = known.get(row.eventId);
      if (!previous) {
        fresh.push(row);
        continue;
      }
      const same =
        previous.stream_id === row.streamId &&
        previous.event_type === EVENT_TYPE[row.kind] &&
        jsonEqual({ ...previous.data, calDecisionEventId: undefined }, row.data);
      if (same) report.alreadyImported += 1;
      else this.reject(report, row, 'eventId', 'EVENT_ID_CONFLICT', errorEntry('EVENT_ID_CONFLICT')[1]);
    }
    if (!fresh.length) return;

    for (let attempt = 0; ; attempt += 1) {
      const outcome = await this.decideChunk(fresh, lookup, actor, importId);
      try {
        await store.appendMany(outcome.appends);
        report.accepted += outcome.accepted.length;
        for (const [row, code, message] of outcome.rejected) this.reject(report, row, FIELD_OF_CODE[code] ?? null, code, message);
        return;
      } catch (error) {
        // Another writer touched one of these cases meanwhile: decide the chunk again on fresh state.
        if (attempt < 3 && (error instanceof WrongExpectedVersionError || error instanceof EventIdConflictError)) continue;
        throw error;
      }
    }
  }

  /** Decides every row of the chunk in file order, on the cases' states as they evolve within the chunk. */
  private async decideChunk(rows: ValidRow[], lookup: ReferentialLookup, actor: string, importId: string) {
    const streams = await this.runtime.store.readStreams(rows.map((row) => row.streamId));
    const cases = new Map<string, { state: AttributionState; version: number; calIds: string[]; events: NewEvent[] }>();
    for (const [streamId, stream] of streams) {
      cases.set(streamId, {
        state: stream.events.reduce(
          (state, event) => attributionDecider.evolve(state, { type: event.type, data: event.data } as AttributionEvent),
          attributionDecider.initialState,
        ),
        version: stream.version,
        calIds: stream.events.filter((event) => event.type === 'CalDecisionRecorded').map((event) => event.eventId),
        events: [],
      });
    }
    const accepted: ValidRow[] = [];
    const rejected: Array<[ValidRow, string, string]> = [];
    const now = this.runtime.clock();
    for (const row of rows) {
      const current = cases.get(row.streamId)!;
      try {
        const command = await this.command(row, current.calIds, lookup, now);
        const events = attributionDecider.decide(command, current.state);
        for (const [index, event] of events.entries()) {
          current.state = attributionDecider.evolve(current.state, event);
          const eventId = index === 0 ? row.eventId : randomUUID();
          if (event.type === 'CalDecisionRecorded') current.calIds.push(eventId);
          current.events.push({
            eventId,
            type: event.type,
            data: event.data,
            metadata: { actor, source: 'import', importId, line: row.line },
          });
        }
        accepted.push(row);
      } catch (error) {
        if (!isDomainError(error)) throw error;
        rejected.push([row, error.code, errorEntry(error.code)[1]]);
      }
    }
    const appends: StreamAppend[] = [...cases.entries()]
      .filter(([, current]) => current.events.length)
      .map(([streamId, current]) => ({ streamId, events: current.events, expectedVersion: current.version }));
    return { appends, accepted, rejected };
  }

  private async command(row: ValidRow, calIds: string[], lookup: ReferentialLookup, now: Date): Promise<AttributionCommand> {
    const data = row.data as never as Parameters<LeaseReferentialService['contextForFact']>[0];
    switch (row.kind) {
      case 'lease':
        return {
          type: 'RecordSignedLease',
          data: row.data as never,
          referential: await this.referential.contextForFact(data, lookup),
          calDecisionEventIds: calIds,
          now,
        };
      case 'cal_decision':
        return {
          type: 'RecordCalDecision',
          data: row.data as never,
          referential: await this.referential.contextForFact(data, lookup),
          now,
        };
      case 'offer_declined':
        return { type: 'DeclineOffer', data: row.data as never, now };
    }
  }
}
