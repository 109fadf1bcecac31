import { classify, flatLeasedTwice, objectiveRules, type ComplianceRules, type LeaseFact } from './compliance.js';
import type { ObjectiveId } from '../cia/cia.model.js';

/** A counted lease with what proves it: the event holding its current version, and its position. */
export interface ListedLeaseFact extends LeaseFact {
  readonly leaseId: string;
  readonly eventId: string;
  readonly position: number;
}

export interface LeaseObjectiveLine {
  readonly id: ObjectiveId;
  /** In the objective's denominator. */
  readonly inPopulation: boolean;
  /** In its numerator. */
  readonly qualifies: boolean;
  /** Why, in French, as a reader of the figures asks it. */
  readonly reason: string;
}

export interface LeaseLine {
  readonly leaseId: string;
  readonly leaseDate: string;
  readonly bailleurId: string;
  readonly reservataireId: string | null;
  readonly communeInsee: string;
  readonly qpvCode: string | null;
  readonly q1: 'q1' | 'non_q1' | 'unknown' | 'pending';
  readonly withoutCalDecision: boolean;
  readonly probableDuplicate: boolean;
  /** Another lease in force of the bailleur on this flat was signed within 30 days (FLAT_LEASED_TWICE_WINDOW_DAYS). */
  readonly flatLeasedTwice: boolean;
  readonly objectives: readonly LeaseObjectiveLine[];
  readonly eventId: string;
  readonly position: number;
}

/** `flagged`: a probable duplicate or a flat leased twice within 30 days. */
export const LEASE_FILTERS = ['unknown_q1', 'no_cal_decision', 'probable_duplicate', 'flat_leased_twice', 'flagged'] as const;
export type LeaseFilter = (typeof LEASE_FILTERS)[number];

/** A lease's Q1 status as a column of a list or an export shows it (never the code). */
export const Q1_STATUS_FR = {
  q1: 'Premier quartile',
  non_q1: 'Hors premier quartile',
  unknown: 'Inconnu (ressources manquantes)',
  pending: 'En attente du seuil',
} as const satisfies Record<LeaseLine['q1'], string>;

const Q1_FR = {
  q1: 'ménage du 1er quartile',
  non_q1: 'ménage hors 1er quartile',
  unknown: 'ressources inconnues (Q1 inconnu)',
  pending: 'seuil du 1er quartile non publié (Q1 en attente)',
} as const;

/**
 * The leases behind the figures, one line each, with how each objective classifies it and why:
 * the same rules as evaluateCompliance (one classify, one objectiveRules), so a list always adds
 * up to the figures it explains.
 */
export function listLeases(
  facts: readonly ListedLeaseFact[],
  rules: ComplianceRules,
  options: { readonly signedUntil?: string; readonly filter?: LeaseFilter } = {},
): LeaseLine[] {
  const byObjective = objectiveRules(rules.cia);
  const counted = options.signedUntil === undefined ? facts : facts.filter((fact) => fact.leaseDate <= options.signedUntil!);
  const seen = new Map<string, number>();
  const duplicateKey = (fact: LeaseFact) =>
    fact.householdId === undefined || fact.rplsId === undefined
      ? null
      : JSON.stringify([fact.householdId, fact.rplsId, fact.leaseDate]);
  for (const fact of counted) {
    const key = duplicateKey(fact);
    if (key !== null) seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  const leasedTwice = new Map(flatLeasedTwice(counted).map((flag, index) => [counted[index]!, flag]));
  const lines = [...counted]
    .sort((a, b) => a.leaseDate.localeCompare(b.leaseDate) || a.position - b.position)
    .map((fact): LeaseLine => {
      const lease = classify(fact, rules);
      const key = duplicateKey(fact);
      const objectives = (Object.keys(byObjective) as ObjectiveId[]).map((id) => {
        const rule = byObjective[id];
        const inPopulation = rule.inPopulation(lease);
        const qualifies = inPopulation && rule.qualifies(lease);
        return { id, inPopulation, qualifies, reason: reasonFor(id, lease, inPopulation, qualifies) };
      });
      return {
        leaseId: fact.leaseId,
        leaseDate: fact.leaseDate,
        bailleurId: fact.bailleurId,
        reservataireId: fact.reservataireId,
        communeInsee: fact.communeInsee,
        qpvCode: fact.qpvCode,
        q1: lease.q1,
        withoutCalDecision: fact.calDecisionEventId === null,
        probableDuplicate: key !== null && (seen.get(key) ?? 0) > 1,
        flatLeasedTwice: leasedTwice.get(fact) ?? false,
        objectives,
        eventId: fact.eventId,
        position: fact.position,
      };
    });
  switch (options.filter) {
    case 'unknown_q1':
      return lines.filter((line) => line.q1 === 'unknown');
    case 'no_cal_decision':
      return lines.filter((line) => line.withoutCalDecision);
    case 'probable_duplicate':
      return lines.filter((line) => line.probableDuplicate);
    case 'flat_leased_twice':
      return lines.filter((line) => line.flatLeasedTwice);
    case 'flagged':
      return lines.filter((line) => line.probableDuplicate || line.flatLeasedTwice);
    default:
      return lines;
  }
}

function reasonFor(id: ObjectiveId, lease: ReturnType<typeof classify>, inPopulation: boolean, qualifies: boolean): string {
  const side = lease.inQpv ? 'en QPV' : 'hors QPV';
  if (!inPopulation) {
    if (id === 'HQ1' && lease.inQpv) return 'en QPV : hors de la population HQ1';
    if (id === 'QNQ1' && !lease.inQpv) return 'hors QPV : hors de la population QNQ1';
    if (id === 'ANRU') return 'pas un relogement RU';
    return 'mutation interne exclue par la CIA';
  }
  switch (id) {
    case 'HQ1':
      return lease.reloge ? `${side}, relogé RU / copropriété dégradée` : `${side}, ${Q1_FR[lease.q1]}`;
    case 'QNQ1':
      return `${side}, ${Q1_FR[lease.q1]}`;
    case 'PRIO':
      return qualifies
        ? lease.fact.flags.dalo
          ? 'public prioritaire (DALO)'
          : 'public prioritaire (art. L441-1 CCH)'
        : 'non prioritaire';
    case 'ANRU':
      return qualifies ? 'relogé RU hors QPV' : 'relogé RU en QPV';
  }
}
