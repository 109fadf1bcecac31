import type { Decider } from '../decider.js';
import { yearOf } from '../calendar/paris-calendar.js';
import { DomainError } from '../domain-error.js';
import type { CiaEvent } from './cia.events.js';
import { applyCiaTerms, legalDefaultCia, type Cia, type CiaTerms } from './cia.model.js';

export type CiaErrorCode =
  | 'CIA_ALREADY_ADOPTED'
  | 'CIA_NOT_ADOPTED'
  | 'CIA_TARGET_OUT_OF_RANGE'
  | 'CIA_PERIOD_INVALID'
  | 'CIA_SECTOR_UNKNOWN'
  | 'THRESHOLD_UNCHANGED';

export type CiaCommand =
  | { readonly type: 'AdoptCia'; readonly data: { epciSiren: string; adoptedOn: string; terms: CiaTerms } }
  | { readonly type: 'AmendCia'; readonly data: { epciSiren: string; amendedOn: string; terms: CiaTerms } }
  | {
      readonly type: 'PublishQuartileThreshold';
      readonly data: { epciSiren: string; year: number; amountPerUc: number; source: string };
    };

export interface CiaState {
  readonly cia: Cia | null;
  readonly thresholds: Readonly<Record<number, number>>;
}

export const initialCiaState: CiaState = { cia: null, thresholds: {} };

export function evolveCia(state: CiaState, event: CiaEvent): CiaState {
  switch (event.type) {
    case 'CiaAdopted':
      return {
        ...state,
        cia: applyCiaTerms(legalDefaultCia(event.data.epciSiren, yearOf(event.data.adoptedOn)), event.data.terms),
      };
    case 'CiaAmended':
      return state.cia ? { ...state, cia: applyCiaTerms(state.cia, event.data.terms) } : state;
    case 'QuartileThresholdPublished':
      return { ...state, thresholds: { ...state.thresholds, [event.data.year]: event.data.amountPerUc } };
  }
}

function checkCia(cia: Cia): void {
  const targets: Array<[string, number | null]> = [
    ['objectives.hq1.target', cia.objectives.hq1.target],
    ['objectives.qnq1.target', cia.objectives.qnq1.target],
    ['objectives.prio.target', cia.objectives.prio.target],
    ['objectives.anru.target', cia.objectives.anru.target],
    ...Object.entries(cia.objectives.prio.byReservataire).map(([id, target]): [string, number | null] => [
      `objectives.prio.byReservataire.${id}`,
      target,
    ]),
    ...Object.entries(cia.objectives.prio.scopeTargets ?? {}).map(([scope, target]): [string, number | null] => [
      `objectives.prio.scopeTargets.${scope}`,
      target ?? null,
    ]),
    ...cia.territorialObjectives.map((objective): [string, number] => [
      `territorialObjectives.${objective.id}.target`,
      objective.target,
    ]),
  ];
  for (const [path, target] of targets) {
    if (target !== null && !(target >= 0 && target <= 1))
      throw new DomainError<CiaErrorCode>('CIA_TARGET_OUT_OF_RANGE', { path, target });
  }
  if (cia.period.startYear > cia.period.endYear)
    throw new DomainError<CiaErrorCode>('CIA_PERIOD_INVALID', { period: cia.period });
  const sectors = new Set(cia.sectors.map((sector) => sector.id));
  for (const objective of cia.territorialObjectives) {
    if (objective.filter.sectorId && !sectors.has(objective.filter.sectorId)) {
      throw new DomainError<CiaErrorCode>('CIA_SECTOR_UNKNOWN', { objective: objective.id, sectorId: objective.filter.sectorId });
    }
  }
}

export const ciaDecider: Decider<CiaCommand, CiaEvent, CiaState> = {
  decide(command, state) {
    switch (command.type) {
      case 'AdoptCia': {
        if (state.cia) throw new DomainError<CiaErrorCode>('CIA_ALREADY_ADOPTED', { epciSiren: command.data.epciSiren });
        const event: CiaEvent = { type: 'CiaAdopted', data: command.data };
        checkCia(evolveCia(state, event).cia!);
        return [event];
      }
      case 'AmendCia': {
        if (!state.cia) throw new DomainError<CiaErrorCode>('CIA_NOT_ADOPTED', { epciSiren: command.data.epciSiren });
        const event: CiaEvent = { type: 'CiaAmended', data: command.data };
        checkCia(evolveCia(state, event).cia!);
        return [event];
      }
      case 'PublishQuartileThreshold': {
        const current = state.thresholds[command.data.year];
        if (current === command.data.amountPerUc) {
          throw new DomainError<CiaErrorCode>('THRESHOLD_UNCHANGED', { year: command.data.year, amountPerUc: current });
        }
        return [{ type: 'QuartileThresholdPublished', data: { ...command.data, correction: current !== undefined } }];
      }
    }
  },
  evolve: evolveCia,
  initialState: initialCiaState,
};
