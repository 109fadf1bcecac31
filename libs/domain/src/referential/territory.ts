/**
 * The dated territorial referential: which communes an EPCI holds on a given day.
 *
 * For each EPCI and day there is exactly one authoritative source, never a mix of two:
 * - the registered version in force that day (a composition registered in Vigie, from its
 *   `validFrom` until the next version starts or its own `validTo`); else
 * - the official referential shipped with Vigie (Etalab, one millésime).
 * A commune missing from the source in force is not a member that day, whatever the other
 * source says. A lease, a CAL decision, a sector uses the referential in force on its date.
 */

/**
 * One dated version of a referential entry (an EPCI's composition, a QPV's communes): in force
 * from `validFrom` until the next version starts, or until its own `validTo`. An EPCI event
 * recorded before compositions were dated has no `validFrom` (since always).
 */
export interface DatedVersion {
  readonly communes: readonly string[];
  readonly validFrom?: string;
  readonly validTo?: string | null;
}

/** One registered composition of an EPCI. */
export interface DatedEpci extends DatedVersion {
  readonly siren: string;
}

/** What is known of one EPCI's composition: its registered versions and its official members (null: not in the official referential). */
export interface EpciSources {
  readonly registered: readonly DatedEpci[];
  readonly official: readonly string[] | null;
}

export interface EpciComposition {
  readonly source: 'registered' | 'official';
  readonly communes: readonly string[];
  /** First day of the registered version in force (undefined: since always, or official). */
  readonly validFrom?: string;
}

const SINCE_ALWAYS = '0000-01-01';

/**
 * The registered version in force on a day (YYYY-MM-DD): the one with the latest start on or
 * before it, unless it has ended (its `validTo` before the day); null when none is. The same rule
 * for every dated entry of the referential (EPCI compositions, QPVs).
 */
export function registeredVersionOn<V extends DatedVersion>(versions: readonly V[], date: string): V | null {
  let current: V | null = null;
  for (const version of versions) {
    const from = version.validFrom ?? SINCE_ALWAYS;
    if (from <= date && (current === null || from > (current.validFrom ?? SINCE_ALWAYS))) current = version;
  }
  if (current && current.validTo != null && current.validTo < date) return null;
  return current;
}

/** The composition of an EPCI on a day, from its one authoritative source; null when neither knows it. */
export function epciCompositionOn(sources: EpciSources | undefined, date: string): EpciComposition | null {
  if (!sources) return null;
  const registered = registeredVersionOn(sources.registered, date);
  if (registered) {
    return {
      source: 'registered',
      communes: registered.communes,
      ...(registered.validFrom ? { validFrom: registered.validFrom } : {}),
    };
  }
  return sources.official ? { source: 'official', communes: sources.official } : null;
}

/** Whether a commune belongs to an EPCI on a day. */
export function belongsTo(commune: string, sources: EpciSources | undefined, date: string): boolean {
  return epciCompositionOn(sources, date)?.communes.includes(commune) ?? false;
}

/** The EPCI (among those given) a commune belongs to on a day; null when none. */
export function epciOfCommuneOn(commune: string, epcis: Readonly<Record<string, EpciSources>>, date: string): string | null {
  for (const siren of Object.keys(epcis).sort()) if (belongsTo(commune, epcis[siren], date)) return siren;
  return null;
}

/**
 * The commune of a municipal arrondissement of Paris (75101–75120), Lyon (69381–69389) or
 * Marseille (13201–13216), the only communes divided so (loi PLM, 1982); any other code is its
 * own commune. The official referential lists the same (checked by a spec in libs/referential).
 */
export function communeOfArrondissement(code: string): string {
  const n = Number(code);
  if (!/^\d{5}$/.test(code)) return code;
  if (n >= 75101 && n <= 75120) return '75056';
  if (n >= 69381 && n <= 69389) return '69123';
  if (n >= 13201 && n <= 13216) return '13055';
  return code;
}
