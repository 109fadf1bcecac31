import type { Decider } from '../decider.js';
import { DomainError } from '../domain-error.js';

/**
 * A reservation convention (stream `reservation-{conventionId}`): a réservataire's right to a
 * share of the flats a bailleur releases each year in a département (gestion en flux), or to
 * an annual volume; revised yearly (clause de revoyure) by new events, never edited.
 */
export const CONVENTION_GESTION_MODES = ['directe', 'deleguee', 'mixte'] as const;

export interface CountingOptions {
  /** Post-CAL refusals of candidates the réservataire presented (direct management only), counted with a weight. */
  readonly postCalRefusals: { readonly enabled: boolean; readonly weight: number };
  /** Inter-bailleur mobility of eligible tenants. */
  readonly interBailleurMobility: boolean;
  /** A-posteriori validation of households housed by the bailleur when the réservataire proposed no one. */
  readonly aPosterioriValidation: boolean;
}

export const NO_COUNTING_OPTIONS: CountingOptions = {
  postCalRefusals: { enabled: false, weight: 1 },
  interBailleurMobility: false,
  aPosterioriValidation: false,
};

export interface ConventionTerms {
  readonly conventionId: string;
  readonly bailleurId: string;
  readonly reservataireId: string;
  readonly departement: string;
  readonly period: { readonly startYear: number; readonly endYear: number };
  /** Share of the yearly net flux (0–1), or null when the convention sets an annual volume. */
  readonly fluxShare: number | null;
  readonly annualVolume: number | null;
  readonly gestionMode: (typeof CONVENTION_GESTION_MODES)[number];
  readonly countingOptions: CountingOptions;
  readonly signedOn: string;
}

export type ReservationEvent =
  | { readonly type: 'ReservationConventionSigned'; readonly data: ConventionTerms }
  | {
      readonly type: 'ConventionRevised';
      readonly data: {
        readonly conventionId: string;
        readonly fromYear: number;
        readonly fluxShare: number | null;
        readonly annualVolume: number | null;
        readonly reason: string;
      };
    };

export type ReservationCommand =
  | { readonly type: 'SignConvention'; readonly data: ConventionTerms }
  | { readonly type: 'ReviseConvention'; readonly data: Extract<ReservationEvent, { type: 'ConventionRevised' }>['data'] };

export type ReservationErrorCode = 'CONVENTION_ALREADY_SIGNED' | 'CONVENTION_NOT_FOUND' | 'CONVENTION_TERMS_INVALID';

export interface ReservationState {
  readonly terms: ConventionTerms | null;
  /** Share or volume in force from each year on (revisions), in order. */
  readonly revisions: ReadonlyArray<{
    readonly fromYear: number;
    readonly fluxShare: number | null;
    readonly annualVolume: number | null;
  }>;
}

export function reservationStreamId(conventionId: string): string {
  return `reservation-${conventionId}`;
}

/** The share or volume in force for a year, after the revisions up to it. */
export function termsForYear(
  state: ReservationState,
  year: number,
): { fluxShare: number | null; annualVolume: number | null } | null {
  if (!state.terms) return null;
  let current = { fluxShare: state.terms.fluxShare, annualVolume: state.terms.annualVolume };
  for (const revision of state.revisions)
    if (revision.fromYear <= year) current = { fluxShare: revision.fluxShare, annualVolume: revision.annualVolume };
  return current;
}

function checkAmounts(fluxShare: number | null, annualVolume: number | null): void {
  const oneOf = (fluxShare === null) !== (annualVolume === null);
  const shareOk = fluxShare === null || (fluxShare > 0 && fluxShare <= 1);
  const volumeOk = annualVolume === null || (Number.isInteger(annualVolume) && annualVolume > 0);
  if (!oneOf || !shareOk || !volumeOk) {
    throw new DomainError<ReservationErrorCode>('CONVENTION_TERMS_INVALID', {
      reason: 'une part du flux (0–1) ou un volume annuel, pas les deux',
    });
  }
}

export const reservationDecider: Decider<ReservationCommand, ReservationEvent, ReservationState> = {
  decide(command, state) {
    switch (command.type) {
      case 'SignConvention': {
        if (state.terms)
          throw new DomainError<ReservationErrorCode>('CONVENTION_ALREADY_SIGNED', { conventionId: command.data.conventionId });
        checkAmounts(command.data.fluxShare, command.data.annualVolume);
        if (command.data.period.startYear > command.data.period.endYear) {
          throw new DomainError<ReservationErrorCode>('CONVENTION_TERMS_INVALID', { reason: 'période inversée' });
        }
        return [{ type: 'ReservationConventionSigned', data: command.data }];
      }
      case 'ReviseConvention': {
        if (!state.terms)
          throw new DomainError<ReservationErrorCode>('CONVENTION_NOT_FOUND', { conventionId: command.data.conventionId });
        checkAmounts(command.data.fluxShare, command.data.annualVolume);
        return [{ type: 'ConventionRevised', data: command.data }];
      }
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case 'ReservationConventionSigned':
        return { ...state, terms: event.data };
      case 'ConventionRevised':
        return {
          ...state,
          revisions: [
            ...state.revisions,
            { fromYear: event.data.fromYear, fluxShare: event.data.fluxShare, annualVolume: event.data.annualVolume },
          ].sort((a, b) => a.fromYear - b.fromYear),
        };
    }
  },
  initialState: { terms: null, revisions: [] },
};
