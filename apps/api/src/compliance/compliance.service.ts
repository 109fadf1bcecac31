import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import {
  compositeKey,
  evaluateCompliance,
  parisDate,
  parisTimestamp,
  type ComplianceReport,
  type ComplianceRules,
  type GroupBy,
} from '@vigie/domain';
import {
  type Freshness,
  positionAt,
  LiveFiguresKeeper,
  readComplianceInputs,
  readFreshness,
  readScopePosition,
  recordedAtOf,
} from '@vigie/projections';
import type { DatabasePool } from '@vigie/postgres';
import { CLOCK, type Clock, DATABASE_POOL } from '../platform/platform.module.js';
import { assertAsOfReached } from '../http/bitemporal.js';

export interface ComplianceView extends ComplianceReport {
  /** The position (and time) the figures stand at: the projection's, or the one asked with asOf. */
  readonly asOf: { readonly position: number; readonly recordedAt: string | null; readonly live: boolean };
  readonly freshness: Freshness;
  readonly referenceDate: string;
  /** The business-date cut asked (leases signed on or before it), or null. */
  readonly signedUntil: string | null;
  readonly cia: { readonly adopted: boolean; readonly reference: string | null };
  readonly threshold: { readonly amountPerUc: number; readonly source: string } | null;
}

export interface CachedCompliance {
  readonly view: ComplianceView;
  /** The view serialised once, with its ETag: a repeated read costs neither JSON.stringify nor hashing. */
  readonly body: Buffer;
  readonly etag: string;
}

/** Several groupings of one EPCI-year's figures, computed from one read of the facts at one position (live). */
export interface LiveReports {
  readonly reports: readonly ComplianceReport[];
  readonly rules: ComplianceRules;
  /** Position the figures stand at (the projection's), the day they are read for (Europe/Paris). */
  readonly position: number;
  readonly referenceDate: string;
  readonly freshness: Freshness;
  readonly cia: ComplianceView['cia'];
  readonly threshold: ComplianceView['threshold'];
}

const CACHE_SIZE = 1_000;
/** Live EPCI-years kept lease by lease (each holds its tallies and its flats' leases). */
const LIVE_FIGURES_SIZE = 100;
/** Past this many positions behind, a live figure is built again rather than brought up to date. */
const LIVE_CATCH_UP_LIMIT = 200_000;

/** How long a read of a checkpoint or scope position is reused: figures may lag writes by this much more. */
export const POSITION_TTL_MS = 100;

/** Shares one read among the callers of the same short window. */
export class Memo<T> {
  private entries = new Map<string, { at: number; value: Promise<T> }>();
  constructor(private readonly ttlMs: number) {}
  get(key: string, read: () => Promise<T>): Promise<T> {
    const now = Date.now();
    const entry = this.entries.get(key);
    if (entry && now - entry.at <= this.ttlMs) return entry.value;
    const value = read();
    this.entries.set(key, { at: now, value });
    value.catch(() => this.entries.delete(key));
    if (this.entries.size > CACHE_SIZE) this.entries.delete(this.entries.keys().next().value!);
    return value;
  }
}

/**
 * Figures are computed when read, from the facts as they stood at a position and the rules in
 * force then (libs/domain evaluateCompliance). A live result stays valid until something its
 * EPCI and year depend on changes (compliance_scopes, CIA versions, thresholds): writes
 * elsewhere only refresh its freshness. An as-of result never changes.
 */
@Injectable()
export class ComplianceService {
  private readonly cache = new Map<string, CachedCompliance>();
  private readonly liveReportsCache = new Map<string, LiveReports>();
  private readonly liveReportsInFlight = new Map<string, Promise<LiveReports>>();
  private readonly freshnessMemo = new Memo<Freshness>(POSITION_TTL_MS);
  private readonly scopeMemo = new Memo<number>(POSITION_TTL_MS);
  /** Per EPCI-year, the live figures, each brought forward by one caller at a time. */
  private readonly liveFigures: LiveFiguresKeeper;

  constructor(
    @Inject(DATABASE_POOL) private readonly pool: DatabasePool,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.liveFigures = new LiveFiguresKeeper(pool, LIVE_FIGURES_SIZE, LIVE_CATCH_UP_LIMIT);
  }

  async compliance(
    epciSiren: string,
    year: number,
    groupBy: GroupBy | undefined,
    asOf: { position?: number; at?: Date } = {},
    signedUntil?: string,
  ): Promise<CachedCompliance> {
    const { pool } = this;
    const freshness = await this.freshnessMemo.get('compliance', () => readFreshness(pool, 'compliance'));
    const live = asOf.position === undefined && asOf.at === undefined;
    if (live) {
      const referenceDay = parisDate(this.clock());
      const key = compositeKey('compliance-live', epciSiren, year, groupBy ?? null, referenceDay, signedUntil ?? null);
      const cached = this.cache.get(key);
      if (cached && cached.view.freshness.position === freshness.position) return cached;
      // Computed at or after the last change of its scope: the figures still hold, only freshness moved.
      // (The scope position is read at least as late as the checkpoint it is compared under.)
      const unchanged =
        cached &&
        cached.view.asOf.position >=
          (await this.scopeMemo.get(compositeKey('compliance-scope', epciSiren, year, freshness.position), () =>
            readScopePosition(pool, epciSiren, year),
          ));
      if (cached && unchanged) {
        return this.remember(key, { ...cached.view, asOf: { ...cached.view.asOf, position: freshness.position }, freshness });
      }
      return this.remember(
        key,
        await this.compute(epciSiren, year, groupBy, freshness.position, freshness, referenceDay, true, null, signedUntil),
      );
    }
    await assertAsOfReached(pool, asOf, freshness.headPosition);
    let position = freshness.position;
    if (asOf.position !== undefined) position = Math.min(asOf.position, freshness.position);
    if (asOf.at !== undefined) position = Math.min(await positionAt(pool, asOf.at), freshness.position);
    const key = compositeKey(
      'compliance-asof',
      epciSiren,
      year,
      groupBy ?? null,
      position,
      asOf.at?.toISOString() ?? null,
      signedUntil ?? null,
    );
    const cached = this.cache.get(key);
    if (cached) return cached;
    const recordedAt = position > 0 ? await recordedAtOf(pool, position) : null;
    const referenceDate = parisDate(asOf.at ?? recordedAt ?? this.clock());
    return this.remember(
      key,
      await this.compute(epciSiren, year, groupBy, position, freshness, referenceDate, false, recordedAt, signedUntil),
    );
  }

  /**
   * The live figures of an EPCI-year for several groupings at once (a simulation reads every scope
   * an attribution moves), from one read of the facts at the projection's position, for today
   * (Europe/Paris). Cached like the compliance read: kept while nothing the EPCI-year depends on
   * changes.
   */
  async liveReports(epciSiren: string, year: number, groupBys: readonly GroupBy[]): Promise<LiveReports> {
    const freshness = await this.freshnessMemo.get('compliance', () => readFreshness(this.pool, 'compliance'));
    const referenceDate = parisDate(this.clock());
    const key = compositeKey('compliance-live-reports', epciSiren, year, groupBys.join(','), referenceDate);
    const cached = this.liveReportsCache.get(key);
    if (cached && cached.position === freshness.position) return cached;
    // Callers asking at the same position while it is being brought up to date share that work
    // (when a write moves the EPCI-year, every simulation in flight would otherwise report again).
    const flightKey = compositeKey(
      'compliance-live-reports-at',
      epciSiren,
      year,
      groupBys.join(','),
      referenceDate,
      freshness.position,
    );
    const inFlight = this.liveReportsInFlight.get(flightKey);
    if (inFlight) return inFlight;
    const reports = this.bringLiveReportsUpTo(key, cached, epciSiren, year, groupBys, freshness, referenceDate);
    this.liveReportsInFlight.set(flightKey, reports);
    void reports.then(
      () => this.liveReportsInFlight.delete(flightKey),
      () => this.liveReportsInFlight.delete(flightKey),
    );
    return reports;
  }

  private async bringLiveReportsUpTo(
    key: string,
    cached: LiveReports | undefined,
    epciSiren: string,
    year: number,
    groupBys: readonly GroupBy[],
    freshness: Freshness,
    referenceDate: string,
  ): Promise<LiveReports> {
    const { pool } = this;
    const unchanged =
      cached &&
      cached.position >=
        (await this.scopeMemo.get(compositeKey('compliance-scope', epciSiren, year, freshness.position), () =>
          readScopePosition(pool, epciSiren, year),
        ));
    if (cached && unchanged) return this.rememberReports(key, { ...cached, position: freshness.position, freshness });
    // The running counts the plain read is served from, brought up to the position: every grouping read from one state.
    const figures = await this.liveFigures.at(epciSiren, year, freshness.position);
    const { rules } = figures;
    const result: LiveReports = {
      reports: groupBys.map((groupBy) => figures.live.report(groupBy, referenceDate)),
      rules: figures.live.rules,
      position: figures.position,
      referenceDate,
      freshness,
      cia: { adopted: rules.ciaAdopted, reference: rules.cia.reference },
      threshold: rules.threshold,
    };
    return this.rememberReports(key, result);
  }

  private rememberReports(key: string, reports: LiveReports): LiveReports {
    this.liveReportsCache.delete(key);
    if (this.liveReportsCache.size >= CACHE_SIZE) this.liveReportsCache.delete(this.liveReportsCache.keys().next().value!);
    this.liveReportsCache.set(key, reports);
    return reports;
  }

  private async compute(
    epciSiren: string,
    year: number,
    groupBy: GroupBy | undefined,
    position: number,
    freshness: Freshness,
    referenceDate: string,
    live: boolean,
    recordedAt: Date | null = null,
    signedUntil?: string,
  ): Promise<ComplianceView> {
    if (live && signedUntil === undefined) return this.computeLive(epciSiren, year, groupBy, position, freshness, referenceDate);
    const inputs = await readComplianceInputs(this.pool, epciSiren, year, position);
    const report = evaluateCompliance(
      inputs.facts,
      { cia: inputs.cia, thresholdPerUc: inputs.threshold?.amountPerUc, reservataireKinds: inputs.reservataireKinds },
      { epciSiren, year, groupBy, referenceDate, ...(signedUntil ? { signedUntil } : {}) },
    );
    return {
      ...report,
      asOf: { position, recordedAt: recordedAt ? parisTimestamp(recordedAt) : live ? freshness.lastEventAt : null, live },
      freshness,
      referenceDate: signedUntil !== undefined && signedUntil < referenceDate ? signedUntil : referenceDate,
      signedUntil: signedUntil ?? null,
      cia: { adopted: inputs.ciaAdopted, reference: inputs.cia.reference },
      threshold: inputs.threshold,
    };
  }

  /**
   * The live figures, from the EPCI-year's tallies brought up to `position`: only the lease
   * versions changed since they were last read travel and are counted (LiveCompliance gives what
   * evaluateCompliance gives). New rules (CIA, threshold, réservataires), a position behind the
   * one counted, or a long gap count the whole EPCI-year again.
   */
  private async computeLive(
    epciSiren: string,
    year: number,
    groupBy: GroupBy | undefined,
    position: number,
    freshness: Freshness,
    referenceDate: string,
  ): Promise<ComplianceView> {
    const figures = await this.liveFigures.at(epciSiren, year, position);
    const { rules } = figures;
    // Another caller may have brought them further meanwhile: these figures are those of its position.
    const report = figures.live.report(groupBy, referenceDate);
    return {
      ...report,
      asOf: { position: figures.position, recordedAt: freshness.lastEventAt, live: true },
      freshness,
      referenceDate,
      signedUntil: null,
      cia: { adopted: rules.ciaAdopted, reference: rules.cia.reference },
      threshold: rules.threshold,
    };
  }

  private remember(key: string, view: ComplianceView): CachedCompliance {
    const body = Buffer.from(JSON.stringify(view));
    const entry = { view, body, etag: `W/"${createHash('sha1').update(body).digest('base64url')}"` };
    this.cache.delete(key);
    if (this.cache.size >= CACHE_SIZE) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(key, entry);
    return entry;
  }
}
