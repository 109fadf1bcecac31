import type { Decider } from '../decider.js';
import { DomainError } from '../domain-error.js';
import { compositeKey } from '../identity/composite-key.js';
import { addDays } from '../calendar/paris-calendar.js';
import { belongsTo, type EpciSources, registeredVersionOn } from './territory.js';

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

export type ReferentialErrorCode =
  'QPV_VALIDITY_INVALID' | 'EPCI_VALIDITY_INVALID' | 'COMMUNE_IN_ANOTHER_EPCI' | 'REFERENTIAL_CHANGE_CONTRADICTS_LEASES';

export type ReferentialEvent = {
  [K in ReferentialKind]: {
    readonly type: `${Capitalize<K>}Registered` | `${Capitalize<K>}Updated`;
    readonly data: ReferentialEntries[K];
  };
}[ReferentialKind];

/**
 * A lease recorded (its version in force) that names the entry being changed: its flat's QPV, its
 * flat's EPCI, or its réservataire. `membershipCommune` is the commune its INSEE code counts as
 * (the commune of a municipal arrondissement, of a delegated commune), read by the caller from
 * the official referential.
 */
export interface RecordedLeaseRef {
  readonly leaseId: string;
  readonly bailleurId: string;
  readonly leaseDate: string;
  readonly communeInsee: string;
  readonly membershipCommune: string;
}

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
  /** For an EPCI: its members in the official referential shipped (null: not in it), in force where no registered version is. */
  readonly official?: readonly string[] | null;
  /**
   * The leases recorded so far that name this entry (QPV, EPCI, réservataire), read by the
   * caller: a change may not contradict them (REFERENTIAL_CHANGE_CONTRADICTS_LEASES). Absent:
   * none known.
   */
  readonly recordedLeases?: readonly RecordedLeaseRef[];
  /** For a réservataire: the ids of the reservation conventions signed with it, read by the caller. */
  readonly conventionIds?: readonly string[];
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

/**
 * The version of a QPV in force on a date (YYYY-MM-DD), among its registered versions: the one
 * with the latest `validFrom` on or before it, unless its `validTo` is before it (null: none then;
 * the 2015 list ran until 2023-12-31).
 */
export function qpvVersionOn<V extends Pick<QpvEntry, 'validFrom' | 'validTo' | 'communes'>>(
  versions: readonly V[],
  date: string,
): V | null {
  return registeredVersionOn(versions, date);
}

const capitalize = (kind: ReferentialKind) => (kind.charAt(0).toUpperCase() + kind.slice(1)) as Capitalize<ReferentialKind>;

function sameEntry(a: unknown, b: unknown): boolean {
  return JSON.stringify(a, Object.keys(a as object).sort()) === JSON.stringify(b, Object.keys(b as object).sort());
}

/** The kinds whose entries are dated versions, each in force from its `validFrom`: EPCI compositions and QPVs. */
type DatedKind = 'epci' | 'qpv';
const isDated = (kind: ReferentialKind): kind is DatedKind => kind === 'epci' || kind === 'qpv';

export type ReferentialState = {
  /** The entry last registered. */
  readonly entry: ReferentialEntries[ReferentialKind] | null;
  /**
   * A dated entry's registered versions (an EPCI's compositions, a QPV's communes and period),
   * one per first day: a version registered again for the same day replaces it, one for another
   * day adds a version that takes effect from that day, and leaves the days before it to the
   * versions in force then.
   */
  readonly versions?: readonly (EpciEntry | QpvEntry)[];
};

/** The registered compositions of an EPCI, from its stream's state. */
export function epciVersionsOf(state: ReferentialState): readonly EpciEntry[] {
  return (state.versions ?? []) as readonly EpciEntry[];
}

/** The registered versions of a QPV, from its stream's state. */
export function qpvVersionsOf(state: ReferentialState): readonly QpvEntry[] {
  return (state.versions ?? []) as readonly QpvEntry[];
}

/** The versions once `version` is registered: it replaces the one of its first day, if any. */
function withVersion<V extends { readonly validFrom?: string }>(versions: readonly V[], version: V): V[] {
  return [...versions.filter((v) => (v.validFrom ?? null) !== (version.validFrom ?? null)), version];
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
    }
    if (isDated(command.kind)) {
      const version = command.data as EpciEntry | QpvEntry;
      const sameDay = (state.versions ?? []).find((v) => (v.validFrom ?? null) === (version.validFrom ?? null));
      if (sameDay && sameEntry(sameDay, version)) return [];
      if (command.kind === 'epci')
        checkNoCommuneInTwoEpcis(version as EpciEntry, epciVersionsOf(state), command.otherEpcis ?? {});
    } else if (state.entry && sameEntry(state.entry, command.data)) return [];
    checkRecordedLeases(command, state);
    const type = `${capitalize(command.kind)}${state.entry ? 'Updated' : 'Registered'}`;
    return [{ type, data: command.data } as ReferentialEvent];
  },
  evolve: (state, event) => {
    // EPCI compositions and QPVs are dated versions; a bailleur or a réservataire is its last entry.
    if (!event.type.startsWith('Epci') && !event.type.startsWith('Qpv')) return { entry: event.data };
    const version = event.data as EpciEntry | QpvEntry;
    return { entry: version, versions: withVersion(state.versions ?? [], version) };
  },
  initialState: { entry: null },
};

/**
 * Whether a recorded lease agrees with an entry's versions on its date: a QPV version in force
 * then lists its commune (or the commune it counts as); its EPCI holds its commune then.
 */
function leaseAgrees(
  kind: DatedKind,
  versions: readonly (EpciEntry | QpvEntry)[],
  official: readonly string[] | null,
  lease: RecordedLeaseRef,
): boolean {
  if (kind === 'qpv') {
    const version = qpvVersionOn(versions as readonly QpvEntry[], lease.leaseDate);
    return (
      version !== null && (version.communes.includes(lease.communeInsee) || version.communes.includes(lease.membershipCommune))
    );
  }
  return belongsTo(lease.membershipCommune, { registered: versions as readonly EpciEntry[], official }, lease.leaseDate);
}

/** How many contradicted leases a refusal lists (it counts them all). */
const LEASES_LISTED = 10;

/**
 * Refuses a change that would contradict leases already recorded (REFERENTIAL_CHANGE_CONTRADICTS_LEASES):
 * - a QPV or EPCI version after which a recorded lease that agreed with the referential on its
 *   date no longer does (its QPV no longer lists its commune then, or is no longer in force; its
 *   EPCI no longer holds its commune then): the lease counted, on its date, under the entry in
 *   force then, and a change may only take effect after it;
 * - a réservataire's kind, once leases count for it or a convention is signed with it: the kind
 *   decides its objectives (the État has no PRIO target, its flux is the préfet contingent), so
 *   changing it would change the figures of every year already counted.
 * The details name the entry, the field (`validFrom` or `kind`), the number of such leases, their
 * first and last dates (null: none) and the first few of them; for a réservataire, its current
 * kind and its conventions.
 */
function checkRecordedLeases(command: RegisterReferentialEntry, state: ReferentialState): void {
  const leases = command.recordedLeases ?? [];
  const conventions = command.conventionIds ?? [];
  // Leases name an EPCI before it is registered (its official composition counts then).
  if ((leases.length === 0 && conventions.length === 0) || (state.entry === null && command.kind !== 'epci')) return;
  let contradicted: readonly RecordedLeaseRef[] = [];
  let field: 'validFrom' | 'kind';
  let validFrom: string | null = null;
  let currentKind: ReservataireKind | undefined;
  if (isDated(command.kind)) {
    const version = command.data as EpciEntry | QpvEntry;
    const before = state.versions ?? [];
    const after = withVersion(before, version);
    const official = command.kind === 'epci' ? (command.official ?? null) : null;
    contradicted = leases.filter(
      (lease) =>
        leaseAgrees(command.kind as DatedKind, before, official, lease) &&
        !leaseAgrees(command.kind as DatedKind, after, official, lease),
    );
    field = 'validFrom';
    validFrom = version.validFrom ?? null;
  } else if (command.kind === 'reservataire') {
    currentKind = (state.entry as ReservataireEntry).kind;
    if (currentKind === (command.data as ReservataireEntry).kind) return;
    contradicted = leases;
    field = 'kind';
  } else return;
  if (contradicted.length === 0 && (field !== 'kind' || conventions.length === 0)) return;
  const dates = contradicted.map((lease) => lease.leaseDate).sort();
  const id = command.data as { siren?: string; code?: string; id?: string };
  throw new DomainError<ReferentialErrorCode>('REFERENTIAL_CHANGE_CONTRADICTS_LEASES', {
    kind: command.kind,
    id: id.siren ?? id.code ?? id.id ?? '',
    field,
    validFrom,
    ...(currentKind
      ? { currentKind, conventionCount: conventions.length, conventions: conventions.slice(0, LEASES_LISTED) }
      : {}),
    leaseCount: contradicted.length,
    firstLeaseDate: dates[0] ?? null,
    lastLeaseDate: dates.at(-1) ?? null,
    leases: [...contradicted]
      .sort((a, b) => a.leaseDate.localeCompare(b.leaseDate) || a.leaseId.localeCompare(b.leaseId))
      .slice(0, LEASES_LISTED)
      .map(({ leaseId, bailleurId, leaseDate, communeInsee }) => ({ leaseId, bailleurId, leaseDate, communeInsee })),
  });
}

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
