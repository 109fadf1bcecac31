import { DEFAULT_ALERT_SETTINGS, type AlertSettings } from '../alerts/alert-settings.js';
import { DEFAULT_UC_SCALE, type UcScale } from '../classification/household.js';

/**
 * The attribution objectives an EPCI adopted in its CIA. Targets are shares in [0, 1].
 * Every field has the legal default (DOMAIN.md); a CIA may set stricter or territorialised values.
 */
export type ObjectiveId = 'HQ1' | 'QNQ1' | 'PRIO' | 'ANRU';

export interface Sector {
  readonly id: string;
  readonly name: string;
  /** INSEE codes of the communes in the sector. */
  readonly communes: readonly string[];
  /** QPV codes in the sector. */
  readonly qpvs: readonly string[];
}

/** A territorialised objective (TERR): one of the base objectives' maths on a CIA-defined population. */
export interface TerritorialObjective {
  readonly id: string;
  readonly label: string;
  readonly objective: Exclude<ObjectiveId, 'ANRU'>;
  readonly target: number;
  readonly filter: {
    readonly sectorId?: string;
    readonly communes?: readonly string[];
    readonly bailleurId?: string;
  };
}

export const PRIO_INFORMATION_SCOPES = ['epci', 'bailleur', 'secteur', 'commune'] as const;
export type PrioScopeTargets = Readonly<Partial<Record<(typeof PRIO_INFORMATION_SCOPES)[number], number | null>>>;

export interface CiaObjectives {
  /** Share of attributions outside QPV to Q1 households or relogés RU / copro dégradée (≥). */
  readonly hq1: { readonly target: number };
  /** Share of attributions in QPV to non-Q1 households (≥). */
  readonly qnq1: { readonly target: number };
  /**
   * Share of attributions to publics prioritaires (DALO + L441-1), an obligation of each
   * réservataire (collectivités, Action Logement…) and of each bailleur's non-réservé stock (≥).
   * `target` is their default; the État has none (its obligation is its contingent).
   * `byReservataire` sets a réservataire's own target, or removes it (null); the key `non_reserve`
   * applies to each bailleur's non-réservé stock. The EPCI-wide, per-bailleur, per-sector and
   * per-commune PRIO figures are information, with no target unless `scopeTargets` sets one.
   */
  readonly prio: {
    readonly target: number;
    readonly byReservataire: Readonly<Record<string, number | null>>;
    /** Absent on CIAs recorded before scope targets existed: none. */
    readonly scopeTargets?: PrioScopeTargets;
  };
  /** Share of relogés RU rehoused outside QPV (≥); null when the CIA sets none. */
  readonly anru: { readonly target: number | null };
}

export interface CiaCountingOptions {
  /** Internal mutations are attributions: counted by default; a CIA may exclude them per objective. */
  readonly includeInternalMutations: { readonly hq1: boolean; readonly qnq1: boolean; readonly prio: boolean };
  readonly ucScale: UcScale;
  /** Drift alert settings (tolerance, minimum sample, hysteresis, unknown-Q1 share). */
  readonly alerts: AlertSettings;
}

export interface Cia {
  readonly epciSiren: string;
  readonly period: { readonly startYear: number; readonly endYear: number };
  readonly objectives: CiaObjectives;
  readonly territorialObjectives: readonly TerritorialObjective[];
  readonly sectors: readonly Sector[];
  readonly options: CiaCountingOptions;
  /** Reference of the adopting deliberation or amendment. */
  readonly reference: string | null;
}

export const LEGAL_DEFAULT_OBJECTIVES: CiaObjectives = {
  hq1: { target: 0.25 },
  qnq1: { target: 0.5 },
  prio: { target: 0.25, byReservataire: {}, scopeTargets: {} },
  anru: { target: null },
};

export const DEFAULT_COUNTING_OPTIONS: CiaCountingOptions = {
  includeInternalMutations: { hq1: true, qnq1: true, prio: true },
  ucScale: DEFAULT_UC_SCALE,
  alerts: DEFAULT_ALERT_SETTINGS,
};

/** What applies to an EPCI that has adopted no CIA yet: the law's defaults. */
export function legalDefaultCia(epciSiren: string, year: number): Cia {
  return {
    epciSiren,
    period: { startYear: year, endYear: year },
    objectives: LEGAL_DEFAULT_OBJECTIVES,
    territorialObjectives: [],
    sectors: [],
    options: DEFAULT_COUNTING_OPTIONS,
    reference: null,
  };
}

/** The parts of a CIA a deliberation sets; anything left out keeps its legal default (adoption) or current value (amendment). */
export interface CiaTerms {
  readonly period?: { readonly startYear: number; readonly endYear: number };
  readonly objectives?: {
    readonly hq1?: { readonly target: number };
    readonly qnq1?: { readonly target: number };
    readonly prio?: {
      readonly target?: number;
      readonly byReservataire?: Readonly<Record<string, number | null>>;
      readonly scopeTargets?: PrioScopeTargets;
    };
    readonly anru?: { readonly target: number | null };
  };
  readonly territorialObjectives?: readonly TerritorialObjective[];
  readonly sectors?: readonly Sector[];
  readonly options?: {
    readonly includeInternalMutations?: Partial<CiaCountingOptions['includeInternalMutations']>;
    readonly ucScale?: UcScale;
    readonly alerts?: Partial<AlertSettings>;
  };
  readonly reference?: string | null;
}

/** Applies terms over a CIA: objectives and options merge field by field; sectors and TERR objectives replace by id. */
export function applyCiaTerms(base: Cia, terms: CiaTerms): Cia {
  const byId = <T extends { id: string }>(current: readonly T[], next: readonly T[] | undefined): T[] => {
    if (!next) return [...current];
    const merged = new Map(current.map((item) => [item.id, item]));
    for (const item of next) merged.set(item.id, item);
    return [...merged.values()];
  };
  return {
    epciSiren: base.epciSiren,
    period: terms.period ?? base.period,
    objectives: {
      hq1: terms.objectives?.hq1 ?? base.objectives.hq1,
      qnq1: terms.objectives?.qnq1 ?? base.objectives.qnq1,
      prio: {
        target: terms.objectives?.prio?.target ?? base.objectives.prio.target,
        byReservataire: { ...base.objectives.prio.byReservataire, ...terms.objectives?.prio?.byReservataire },
        scopeTargets: { ...base.objectives.prio.scopeTargets, ...terms.objectives?.prio?.scopeTargets },
      },
      anru: terms.objectives?.anru ?? base.objectives.anru,
    },
    territorialObjectives: byId(base.territorialObjectives, terms.territorialObjectives),
    sectors: byId(base.sectors, terms.sectors),
    options: {
      includeInternalMutations: { ...base.options.includeInternalMutations, ...terms.options?.includeInternalMutations },
      ucScale: terms.options?.ucScale ?? base.options.ucScale,
      alerts: { ...DEFAULT_ALERT_SETTINGS, ...base.options.alerts, ...terms.options?.alerts },
    },
    reference: terms.reference === undefined ? base.reference : terms.reference,
  };
}
