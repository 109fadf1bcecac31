import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { compositeKey, evaluateCompliance, type ComplianceReport, type GroupBy } from '@vigie/domain';
import { positionAt, readComplianceInputs, readFreshness, readScopePosition, recordedAtOf } from '@vigie/projections';
import { RUNTIME, type Runtime } from '../runtime/runtime.js';

export interface ComplianceView extends ComplianceReport {
  /** The position (and time) the figures stand at: the projection's, or the one asked with asOf. */
  readonly asOf: { readonly position: number; readonly recordedAt: string | null; readonly live: boolean };
  readonly freshness: { readonly position: number; readonly lastEventAt: string | null };
  readonly referenceDate: string;
  readonly cia: { readonly adopted: boolean; readonly reference: string | null };
  readonly threshold: { readonly amountPerUc: number; readonly source: string } | null;
}

export interface CachedCompliance {
  readonly view: ComplianceView;
  /** The view serialised once, with its ETag: a repeated read costs neither JSON.stringify nor hashing. */
  readonly body: Buffer;
  readonly etag: string;
}

const CACHE_SIZE = 1_000;
/** How long a read of a checkpoint or scope position is reused: figures may lag writes by this much more. */
const POSITION_TTL_MS = 100;

type Freshness = { position: number; lastEventAt: string | null };

/** Shares one read among the callers of the same short window. */
class Memo<T> {
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
  private readonly freshnessMemo = new Memo<Freshness>(POSITION_TTL_MS);
  private readonly scopeMemo = new Memo<number>(POSITION_TTL_MS);

  constructor(@Inject(RUNTIME) private readonly runtime: Runtime) {}

  async compliance(
    epciSiren: string,
    year: number,
    groupBy: GroupBy | undefined,
    asOf: { position?: number; at?: Date } = {},
  ): Promise<CachedCompliance> {
    const { pool } = this.runtime;
    const freshness = await this.freshnessMemo.get('compliance', () => readFreshness(pool, 'compliance'));
    const live = asOf.position === undefined && asOf.at === undefined;
    if (live) {
      const referenceDay = new Date().toISOString().slice(0, 10);
      const key = compositeKey('compliance-live', epciSiren, year, groupBy ?? null, referenceDay);
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
      return this.remember(key, await this.compute(epciSiren, year, groupBy, freshness.position, freshness, referenceDay, true));
    }
    let position = freshness.position;
    if (asOf.position !== undefined) position = Math.min(asOf.position, freshness.position);
    if (asOf.at !== undefined) position = Math.min(await positionAt(pool, asOf.at), freshness.position);
    const key = compositeKey('compliance-asof', epciSiren, year, groupBy ?? null, position, asOf.at?.toISOString() ?? null);
    const cached = this.cache.get(key);
    if (cached) return cached;
    const recordedAt = position > 0 ? await recordedAtOf(pool, position) : null;
    const referenceDate = (asOf.at ?? recordedAt ?? new Date()).toISOString().slice(0, 10);
    return this.remember(
      key,
      await this.compute(epciSiren, year, groupBy, position, freshness, referenceDate, false, recordedAt),
    );
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
  ): Promise<ComplianceView> {
    const inputs = await readComplianceInputs(this.runtime.pool, epciSiren, year, position);
    const report = evaluateCompliance(
      inputs.facts,
      { cia: inputs.cia, thresholdPerUc: inputs.threshold?.amountPerUc, reservataireKinds: inputs.reservataireKinds },
      { epciSiren, year, groupBy, referenceDate },
    );
    return {
      ...report,
      asOf: { position, recordedAt: recordedAt?.toISOString() ?? (live ? freshness.lastEventAt : null), live },
      freshness,
      referenceDate,
      cia: { adopted: inputs.ciaAdopted, reference: inputs.cia.reference },
      threshold: inputs.threshold,
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
