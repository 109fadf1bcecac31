import type { Decider } from '../decider.js';
import { DomainError } from '../domain-error.js';
import type { LeaseSignedData } from '../attribution/attribution.events.js';
import { departementOfCommune, type FluxEvent } from './flux-ledger.js';
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
  /** Préfet contingent per département: share of the net flux oriented to the État (≤ 30 %), public agents on it (≤ 5 %). */
  readonly contingent: ReadonlyArray<{
    readonly departement: string;
    readonly netBase: number;
    readonly orientedToEtat: number;
    readonly etatShare: number | null;
    readonly publicAgentLeases: number;
    readonly publicAgentShare: number | null;
    readonly withinLimits: boolean | null;
  }>;
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
  readonly flux: readonly FluxEvent[];
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
  const departements = new Map<string, { netBase: number; orientedToEtat: number; publicAgentLeases: number }>();
  const at = (code: string) => {
    const current = departements.get(code) ?? { netBase: 0, orientedToEtat: 0, publicAgentLeases: 0 };
    departements.set(code, current);
    return current;
  };
  const released = new Map<string, string>();
  for (const event of input.flux) {
    if (event.type === 'FlatReleased') {
      released.set(event.data.rplsId, event.data.departement);
      if (event.data.inNetBase) at(event.data.departement).netBase += 1;
    } else if (event.type === 'FlatOrientedToReservataire' && input.etatReservataires.has(event.data.reservataireId)) {
      at(released.get(event.data.rplsId) ?? '?').orientedToEtat += 1;
    }
  }
  for (const { lease } of inFigures) {
    if (lease.flags.publicAgent && lease.reservataireId !== null && input.etatReservataires.has(lease.reservataireId)) {
      at(departementOfCommune(lease.flat.communeInsee)).publicAgentLeases += 1;
    }
  }
  const contingent = [...departements.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([departement, d]) => {
      const etatShare = d.netBase ? d.orientedToEtat / d.netBase : null;
      const publicAgentShare = d.netBase ? d.publicAgentLeases / d.netBase : null;
      return {
        departement,
        ...d,
        etatShare,
        publicAgentShare,
        // Exact: 30 % and 5 % compared on integers.
        withinLimits: d.netBase ? d.orientedToEtat * 100 <= 30 * d.netBase && d.publicAgentLeases * 100 <= 5 * d.netBase : null,
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
