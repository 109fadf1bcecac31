import { Inject, Injectable } from '@nestjs/common';
import { evaluateCompliance, type ComplianceReport, type GroupBy } from '@vigie/domain';
import { positionAt, readComplianceInputs, readFreshness, recordedAtOf } from '@vigie/projections';
import { RUNTIME, type Runtime } from '../runtime/runtime.js';

export interface ComplianceView extends ComplianceReport {
  /** The position (and time) the figures stand at: the projection's, or the one asked with asOf. */
  readonly asOf: { readonly position: number; readonly recordedAt: string | null; readonly live: boolean };
  readonly freshness: { readonly position: number; readonly lastEventAt: string | null };
  readonly referenceDate: string;
  readonly cia: { readonly adopted: boolean; readonly reference: string | null };
  readonly threshold: { readonly amountPerUc: number; readonly source: string } | null;
}

const CACHE_SIZE = 500;
/** How long a read of the projection's checkpoint is reused: figures may lag writes by this much more. */
const FRESHNESS_TTL_MS = 100;

export interface CachedCompliance {
  readonly view: ComplianceView;
  /** The view serialised once: a repeated read costs no JSON.stringify. */
  readonly json: string;
}

/**
 * Figures are computed when read, from the facts as they stood at a position and the rules in
 * force then (libs/domain evaluateCompliance). A result is cached by its inputs' position, so
 * a figure never changes for a given position and repeated reads cost one checkpoint read.
 */
@Injectable()
export class ComplianceService {
  private readonly cache = new Map<string, CachedCompliance>();
  private freshnessRead: { at: number; value: Promise<{ position: number; lastEventAt: string | null }> } | undefined;

  constructor(@Inject(RUNTIME) private readonly runtime: Runtime) {}

  /** One checkpoint read shared by the requests of the same 100 ms. */
  private freshness() {
    const now = Date.now();
    if (!this.freshnessRead || now - this.freshnessRead.at > FRESHNESS_TTL_MS) {
      const value = readFreshness(this.runtime.pool, 'compliance');
      this.freshnessRead = { at: now, value };
      value.catch(() => (this.freshnessRead = undefined));
    }
    return this.freshnessRead.value;
  }

  async compliance(
    epciSiren: string,
    year: number,
    groupBy: GroupBy | undefined,
    asOf: { position?: number; at?: Date } = {},
  ): Promise<CachedCompliance> {
    const { pool } = this.runtime;
    const freshness = await this.freshness();
    let position = freshness.position;
    const live = asOf.position === undefined && asOf.at === undefined;
    if (asOf.position !== undefined) position = Math.min(asOf.position, freshness.position);
    if (asOf.at !== undefined) position = Math.min(await positionAt(pool, asOf.at), freshness.position);
    const referenceDay = live ? new Date().toISOString().slice(0, 10) : null;
    const key = `${epciSiren}|${year}|${groupBy ?? ''}|${position}|${freshness.position}|${referenceDay ?? 'asof'}`;
    const cached = this.cache.get(key);
    if (cached) return cached;

    const recordedAt = position > 0 ? await recordedAtOf(pool, position) : null;
    const referenceDate = referenceDay ?? (asOf.at ?? recordedAt ?? new Date()).toISOString().slice(0, 10);
    const inputs = await readComplianceInputs(pool, epciSiren, year, position);
    const report = evaluateCompliance(
      inputs.facts,
      { cia: inputs.cia, thresholdPerUc: inputs.threshold?.amountPerUc },
      { epciSiren, year, groupBy, referenceDate },
    );
    const view: ComplianceView = {
      ...report,
      asOf: { position, recordedAt: recordedAt?.toISOString() ?? null, live },
      freshness,
      referenceDate,
      cia: { adopted: inputs.ciaAdopted, reference: inputs.cia.reference },
      threshold: inputs.threshold,
    };
    const entry = { view, json: JSON.stringify(view) };
    if (this.cache.size >= CACHE_SIZE) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(key, entry);
    return entry;
  }
}
