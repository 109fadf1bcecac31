import type { Decider } from '../decider.js';
import { DomainError } from '../domain-error.js';
import { compositeKey } from '../identity/composite-key.js';
import { addDays } from '../calendar/paris-calendar.js';
import { belongsTo, type EpciSources } from './territory.js';

/**
 * The referential Vigie counts against, each entry its own stream (`referential:{kind}:{id}`):
 * EPCIs and their communes, QPVs with their validity period, bailleurs, réservataires.
 * Registering the same attributes again records nothing; other attributes record an update.
 */
export interface EpciEntry {
  readonly siren: string;
  readonly name: string;
  /** INSEE codes of the member communes. */
  readonly communes: readonly string[];
  /**
   * First day this composition is in force; it lasts until the next registered version starts
   * (or `validTo`). Absent on entries recorded before compositions were dated: since always.
   */
  readonly validFrom?: string;
  readonly validTo?: string | null;
}

export const QPV_LISTS = ['2015', '2024'] as const;
export type QpvList = (typeof QPV_LISTS)[number];

export interface QpvEntry {
  readonly code: string;
  readonly name: string;
  readonly list: QpvList;
  readonly communes: readonly string[];
  /** First and last day (YYYY-MM-DD) the QPV is in force; the 2015 list ran until 2023-12-31. */
  readonly validFrom: string;
  readonly validTo: string | null;
}

export const RESERVATAIRE_KINDS = ['etat', 'collectivite', 'action_logement', 'autre'] as const;
export type ReservataireKind = (typeof RESERVATAIRE_KINDS)[number];

export interface BailleurEntry {
  readonly id: string;
  readonly name: string;
  readonly siren: string | null;
}

export interface ReservataireEntry {
  readonly id: string;
  readonly name: string;
  readonly kind: ReservataireKind;
}

export interface ReferentialEntries {
  readonly epci: EpciEntry;
  readonly qpv: QpvEntry;
  readonly bailleur: BailleurEntry;
  readonly reservataire: ReservataireEntry;
}

export type ReferentialKind = keyof ReferentialEntries;

export type ReferentialErrorCode = 'QPV_VALIDITY_INVALID' | 'EPCI_VALIDITY_INVALID' | 'COMMUNE_IN_ANOTHER_EPCI';

export type ReferentialEvent = {
  [K in ReferentialKind]: {
    readonly type: `${Capitalize<K>}Registered` | `${Capitalize<K>}Updated`;
    readonly data: ReferentialEntries[K];
  };
}[ReferentialKind];

export interface RegisterReferentialEntry<K extends ReferentialKind = ReferentialKind> {
  readonly type: 'RegisterReferentialEntry';
  readonly kind: K;
  readonly data: ReferentialEntries[K];
  /**
   * For an EPCI: the other EPCIs that may hold one of its communes (official or registered), with
   * their registered and official compositions, read by the caller: a commune belongs to one
   * EPCI on a given day, never two (a lease would count for both).
   */
  readonly otherEpcis?: Readonly<Record<string, EpciSources>>;
}

export function referentialStreamId(kind: ReferentialKind, id: string): string {
  return compositeKey('referential', kind, id);
}

/** Département of a QPV from its code (QP059001, QN05901M → 59; QN97101M → 971; QN02A…, 2A). */
export function departementOfQpv(code: string): string | undefined {
  const digits = code.slice(2, 5);
  if (/^97\d$/.test(digits)) return digits;
  if (/^0(\d{2}|2[AB])$/.test(digits)) return digits.slice(1);
  return undefined;
}

export function qpvInForce(qpv: Pick<QpvEntry, 'validFrom' | 'validTo'>, date: string): boolean {
  return qpv.validFrom <= date && (qpv.validTo === null || date <= qpv.validTo);
}

const capitalize = (kind: ReferentialKind) => (kind.charAt(0).toUpperCase() + kind.slice(1)) as Capitalize<ReferentialKind>;

function sameEntry(a: unknown, b: unknown): boolean {
  return JSON.stringify(a, Object.keys(a as object).sort()) === JSON.stringify(b, Object.keys(b as object).sort());
}

export type ReferentialState = {
  readonly entry: ReferentialEntries[ReferentialKind] | null;
  /** An EPCI's registered compositions, one per first day (a version registered again for the same day replaces it). */
  readonly epciVersions?: readonly EpciEntry[];
};

/** The registered compositions of an EPCI, from its stream's state. */
export function epciVersionsOf(state: ReferentialState): readonly EpciEntry[] {
  return state.epciVersions ?? [];
}

export const referentialDecider: Decider<RegisterReferentialEntry, ReferentialEvent, ReferentialState> = {
  decide(command, state) {
    if (command.kind === 'qpv') {
      const qpv = command.data as QpvEntry;
      if (qpv.validTo !== null && qpv.validTo < qpv.validFrom) {
        throw new DomainError<ReferentialErrorCode>('QPV_VALIDITY_INVALID', { validFrom: qpv.validFrom, validTo: qpv.validTo });
      }
    }
    if (command.kind === 'epci') {
      const epci = command.data as EpciEntry;
      if (epci.validFrom && epci.validTo != null && epci.validTo < epci.validFrom) {
        throw new DomainError<ReferentialErrorCode>('EPCI_VALIDITY_INVALID', {
          validFrom: epci.validFrom,
          validTo: epci.validTo,
        });
      }
      const sameDay = epciVersionsOf(state).find((version) => (version.validFrom ?? null) === (epci.validFrom ?? null));
      if (sameDay && sameEntry(sameDay, epci)) return [];
      checkNoCommuneInTwoEpcis(epci, epciVersionsOf(state), command.otherEpcis ?? {});
    } else if (state.entry && sameEntry(state.entry, command.data)) return [];
    const type = `${capitalize(command.kind)}${state.entry ? 'Updated' : 'Registered'}`;
    return [{ type, data: command.data } as ReferentialEvent];
  },
  evolve: (state, event) => {
    if (event.type !== 'EpciRegistered' && event.type !== 'EpciUpdated') return { entry: event.data };
    const version = event.data;
    const others = epciVersionsOf(state).filter((v) => (v.validFrom ?? null) !== (version.validFrom ?? null));
    return { entry: version, epciVersions: [...others, version] };
  },
  initialState: { entry: null },
};

const SINCE_ALWAYS = '0000-01-01';
const FOR_EVER = '9999-12-31';

/**
 * Refuses a composition of an EPCI that puts a commune in it on a day another EPCI holds it
 * (COMMUNE_IN_ANOTHER_EPCI, naming the commune, the other EPCI and the first such day). The
 * composition is in force from its `validFrom` until this EPCI's next registered version starts or
 * its own `validTo`; another EPCI's membership only changes on its versions' first and last days,
 * so those days (and the first) are the ones checked.
 */
function checkNoCommuneInTwoEpcis(
  epci: EpciEntry,
  versions: readonly EpciEntry[],
  others: Readonly<Record<string, EpciSources>>,
): void {
  const from = epci.validFrom ?? SINCE_ALWAYS;
  const next = versions
    .map((version) => version.validFrom ?? SINCE_ALWAYS)
    .filter((start) => start > from)
    .sort()[0];
  const until = [epci.validTo ?? FOR_EVER, next ? addDays(next, -1) : FOR_EVER].sort()[0]!;
  for (const siren of Object.keys(others).sort()) {
    if (siren === epci.siren) continue;
    const sources = others[siren]!;
    const changes = sources.registered.flatMap((version) => [
      version.validFrom ?? SINCE_ALWAYS,
      ...(version.validTo == null || version.validTo >= FOR_EVER ? [] : [addDays(version.validTo, 1)]),
    ]);
    const days = [...new Set([from, ...changes.filter((day) => day > from && day <= until)])].sort();
    for (const day of days) {
      const commune = epci.communes.find((code) => belongsTo(code, sources, day));
      if (commune !== undefined) {
        throw new DomainError<ReferentialErrorCode>('COMMUNE_IN_ANOTHER_EPCI', {
          commune,
          otherEpciSiren: siren,
          on: day === SINCE_ALWAYS ? null : day,
        });
      }
    }
  }
}
