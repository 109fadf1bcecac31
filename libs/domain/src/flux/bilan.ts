import type { Decider } from '../decider.js';
import { DomainError } from '../domain-error.js';
import type { LeaseSignedData } from '../attribution/attribution.events.js';
import { departementOfCommune } from './perimeter.js';
import { contingentCheck, type ContingentCheck, type FluxFact } from './convention-flux.js';
import { compositeKey } from '../identity/composite-key.js';
import { dueDate, yearOf } from '../calendar/paris-calendar.js';

/**
 * The annual bilan of year N-1 a bailleur sends before 28 February (seed 003), and its
 * closure (stream `bilan:{bailleurId}:{year}`). Facts about a closed year recorded after the
 * closure are shown apart as late facts, never silently merged into the closed figures.
 */
export type BilanEvent = {
  readonly type: 'FluxBilanClosed';
  readonly data: { readonly bailleurId: string; readonly year: number; readonly closedOn: string };
};
export type BilanCommand = { readonly type: 'CloseBilan'; readonly data: BilanEvent['data'] };
export type BilanState = { readonly closed: boolean };

export type BilanErrorCode = 'BILAN_ALREADY_CLOSED' | 'BILAN_YEAR_NOT_OVER';

export function bilanStreamId(bailleurId: string, year: number): string {
  return compositeKey('bilan', bailleurId, year);
}

export const bilanDecider: Decider<BilanCommand, BilanEvent, BilanState> = {
  decide(command, state) {
    if (state.closed) throw new DomainError<BilanErrorCode>('BILAN_ALREADY_CLOSED', { year: command.data.year });
    if (yearOf(command.data.closedOn) <= command.data.year) {
      throw new DomainError<BilanErrorCode>('BILAN_YEAR_NOT_OVER', { year: command.data.year, closedOn: command.data.closedOn });
    }
    return [{ type: 'FluxBilanClosed', data: command.data }];
  },
  evolve: () => ({ closed: true }),
  initialState: { closed: false },
};

/** The date by which the bilan of a year is due: 28 February of the next year. */
export function bilanDueDate(year: number): string {
  return dueDate(year + 1, 2, 28);
}

export interface BilanLease {
  readonly lease: LeaseSignedData;
  /** Position of the event that made this version current. */
  readonly position: number;
}

type Counts = Record<string, number>;

export interface BailleurBilan {
  readonly bailleurId: string;
  readonly year: number;
  readonly leases: number;
  readonly byReservataire: Counts;
  readonly byTypology: Counts;
  readonly byFinancing: Counts;
  readonly byQpv: { readonly inQpv: number; readonly outsideQpv: number };
  readonly byCommune: Counts;
  readonly internalMutations: number;
  /**
   * Préfet contingent per département, read both ways against the 30 % of the net flux: flats
   * oriented to the État, and leases signed on its flux; public agents housed on it (≤ 5 %).
   */
  readonly contingent: ReadonlyArray<
    {
      readonly departement: string;
      readonly netBase: number;
      readonly orientedToEtat: number;
      readonly etatShare: number | null;
      readonly leasesOnEtatFlux: number;
      readonly etatLeaseShare: number | null;
    } & ContingentCheck
  >;
  readonly closed: boolean;
  readonly dueDate: string;
  /** Leases of the year recorded after the closure: shown apart, not in the figures above. */
  readonly lateFacts: number;
}

const add = (counts: Counts, key: string) => {
  counts[key] = (counts[key] ?? 0) + 1;
};

export function bailleurBilan(input: {
  readonly bailleurId: string;
  readonly year: number;
  readonly leases: readonly BilanLease[];
  /** The bailleur's flux facts (any superset of the year's: each counts in the year of its own date). */
  readonly flux: readonly FluxFact[];
  /** Ids of the réservataires that are the État (préfet contingent). */
  readonly etatReservataires: ReadonlySet<string>;
  /** Global position of the closure, or null while the year is open. */
  readonly closurePosition: number | null;
}): BailleurBilan {
  const inFigures = input.leases.filter((l) => input.closurePosition === null || l.position <= input.closurePosition);
  const byReservataire: Counts = {};
  const byTypology: Counts = {};
  const byFinancing: Counts = {};
  const byCommune: Counts = {};
  let inQpv = 0;
  let internalMutations = 0;
  for (const { lease } of inFigures) {
    add(byReservataire, lease.flags.internalMutation ? 'non_reserve' : (lease.reservataireId ?? 'non_reserve'));
    add(byTypology, lease.flat.typology);
    add(byFinancing, lease.flat.financing);
    add(byCommune, lease.flat.communeInsee);
    if (lease.flat.qpvCode !== null) inQpv += 1;
    if (lease.flags.internalMutation) internalMutations += 1;
  }
  const departements = new Map<
    string,
    { netBase: number; orientedToEtat: number; leasesOnEtatFlux: number; publicAgentLeases: number }
  >();
  const at = (code: string) => {
    const current = departements.get(code) ?? { netBase: 0, orientedToEtat: 0, leasesOnEtatFlux: 0, publicAgentLeases: 0 };
    departements.set(code, current);
    return current;
  };
  for (const fact of input.flux) {
    if (fact.bailleurId !== input.bailleurId || Number(fact.date.slice(0, 4)) !== input.year) continue;
    if (fact.kind === 'release') {
      if (fact.inNetBase) at(fact.place.departement).netBase += fact.count ?? 1;
    } else if (fact.kind === 'orientation' && fact.reservataireId !== null && input.etatReservataires.has(fact.reservataireId)) {
      at(fact.place.departement).orientedToEtat += fact.count ?? 1;
    }
  }
  for (const { lease } of inFigures) {
    if (lease.flags.internalMutation || lease.reservataireId === null || !input.etatReservataires.has(lease.reservataireId))
      continue;
    const departement = at(departementOfCommune(lease.flat.communeInsee));
    departement.leasesOnEtatFlux += 1;
    if (lease.flags.publicAgent) departement.publicAgentLeases += 1;
  }
  const contingent = [...departements.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([departement, d]) => {
      const check = contingentCheck(d.netBase, d.orientedToEtat, d.leasesOnEtatFlux, d.publicAgentLeases);
      return {
        departement,
        netBase: d.netBase,
        orientedToEtat: d.orientedToEtat,
        etatShare: check.oriented.share,
        leasesOnEtatFlux: d.leasesOnEtatFlux,
        etatLeaseShare: check.leases.share,
        ...check,
      };
    });
  return {
    bailleurId: input.bailleurId,
    year: input.year,
    leases: inFigures.length,
    byReservataire,
    byTypology,
    byFinancing,
    byQpv: { inQpv, outsideQpv: inFigures.length - inQpv },
    byCommune,
    internalMutations,
    contingent,
    closed: input.closurePosition !== null,
    dueDate: bilanDueDate(input.year),
    lateFacts: input.leases.length - inFigures.length,
  };
}
