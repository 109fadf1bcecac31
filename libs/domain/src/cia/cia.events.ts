import type { CiaTerms } from './cia.model.js';
import { compositeKey } from '../identity/composite-key.js';

/** Stream `cia:{epciSiren}`: the EPCI's CIA and the first-quartile thresholds published for it. */
export interface CiaAdopted {
  readonly type: 'CiaAdopted';
  readonly data: { readonly epciSiren: string; readonly adoptedOn: string; readonly terms: CiaTerms };
}

export interface CiaAmended {
  readonly type: 'CiaAmended';
  readonly data: { readonly epciSiren: string; readonly amendedOn: string; readonly terms: CiaTerms };
}

/** Yearly first-quartile threshold (€ per UC) of the EPCI's applicants, by ministerial arrêté. */
export interface QuartileThresholdPublished {
  readonly type: 'QuartileThresholdPublished';
  readonly data: {
    readonly epciSiren: string;
    readonly year: number;
    readonly amountPerUc: number;
    /** Reference of the arrêté (or file) the amount comes from. */
    readonly source: string;
    /** True when it replaces an amount already published for that year. */
    readonly correction: boolean;
  };
}

export type CiaEvent = CiaAdopted | CiaAmended | QuartileThresholdPublished;

export function ciaStreamId(epciSiren: string): string {
  return compositeKey('cia', epciSiren);
}
