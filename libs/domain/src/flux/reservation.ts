import type { Decider } from '../decider.js';
import { DomainError } from '../domain-error.js';
import { compositeKey, keyParts } from '../identity/composite-key.js';
import { type ConventionPerimeter, departementOfCommune } from './perimeter.js';
import { convertStock, type StockConversion, type StockConversionInput } from './stock-conversion.js';

/**
 * A reservation convention (stream `reservation:{bailleurId}:{reservataireId}:{conventionId}`): a réservataire's right to a
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
  /**
   * Communes or EPCIs of the département the convention covers (a commune's reservation covers
   * its own territory); absent on conventions of the whole département, and on those recorded
   * before perimeters (which were département-wide).
   */
  readonly perimeter?: { readonly communes?: readonly string[]; readonly epcis?: readonly string[] };
  readonly period: { readonly startYear: number; readonly endYear: number };
  /** Share of the yearly net flux (0–1), or null when the convention sets an annual volume. */
  readonly fluxShare: number | null;
  readonly annualVolume: number | null;
  readonly gestionMode: (typeof CONVENTION_GESTION_MODES)[number];
  readonly countingOptions: CountingOptions;
  readonly signedOn: string;
}

/** The two parties of a convention: its terms and their revisions bind once both have agreed. */
export const CONVENTION_PARTIES = ['bailleur', 'reservataire'] as const;
export type ConventionParty = (typeof CONVENTION_PARTIES)[number];

/**
 * Which parties agreed to what was recorded. Absent on events recorded before agreements were
 * tracked: those were recorded for both parties.
 */
export interface Agreement {
  readonly agreedBy?: readonly ConventionParty[];
}

export type ReservationEvent =
  | { readonly type: 'ReservationConventionSigned'; readonly data: ConventionTerms & Agreement }
  | {
      readonly type: 'ConventionRevised';
      readonly data: {
        readonly conventionId: string;
        readonly fromYear: number;
        readonly fluxShare: number | null;
        readonly annualVolume: number | null;
        readonly reason: string;
      } & Agreement;
    }
  | {
      /**
       * The parties adopt a stock → flux conversion for the convention: its inputs and what it owes
       * (computed by convertStock, every intermediate value kept), recorded once per first year.
       */
      readonly type: 'StockConverted';
      readonly data: {
        readonly conventionId: string;
        readonly input: StockConversionInput;
        readonly owed: number;
        readonly yearly: StockConversion['yearly'];
        readonly adoptedOn: string;
      } & Agreement;
    }
  | {
      /**
       * The réservataire validates a posteriori a household the bailleur housed on a flat it had
       * oriented to it when it proposed no one: counted on its flux when the convention's option is on.
       */
      readonly type: 'APosterioriValidationRecorded';
      readonly data: {
        readonly conventionId: string;
        readonly bailleurId: string;
        readonly leaseId: string;
        readonly rplsId: string;
        readonly communeInsee: string;
        readonly epciSiren: string;
        readonly validatedOn: string;
      };
    }
  | {
      /** The other party agrees to the convention (revisionFromYear null) or to one of its revisions. */
      readonly type: 'ConventionAgreed';
      readonly data: {
        readonly conventionId: string;
        readonly party: ConventionParty;
        readonly revisionFromYear: number | null;
        readonly agreedOn: string;
      };
    };

export type ReservationCommand =
  | { readonly type: 'SignConvention'; readonly data: ConventionTerms & Required<Agreement> }
  | {
      readonly type: 'ReviseConvention';
      readonly data: Extract<ReservationEvent, { type: 'ConventionRevised' }>['data'] & Required<Agreement>;
    }
  | { readonly type: 'AgreeConvention'; readonly data: Extract<ReservationEvent, { type: 'ConventionAgreed' }>['data'] }
  | {
      readonly type: 'RecordStockConversion';
      readonly data: {
        readonly conventionId: string;
        readonly input: StockConversionInput;
        readonly adoptedOn: string;
      } & Required<Agreement>;
    }
  | {
      readonly type: 'RecordAPosterioriValidation';
      readonly data: Extract<ReservationEvent, { type: 'APosterioriValidationRecorded' }>['data'];
    };

export type ReservationErrorCode =
  | 'CONVENTION_ALREADY_SIGNED'
  | 'CONVENTION_NOT_FOUND'
  | 'CONVENTION_TERMS_INVALID'
  | 'CONVENTION_REVISION_NOT_FOUND'
  | 'CONVENTION_ALREADY_AGREED'
  | 'STOCK_CONVERSION_ALREADY_RECORDED'
  | 'VALIDATION_ALREADY_RECORDED';

export interface ReservationState {
  readonly terms: ConventionTerms | null;
  /** The parties that agreed to the terms. */
  readonly agreedBy: readonly ConventionParty[];
  /** Share or volume from each year on (revisions), in order, with the parties that agreed to each. */
  readonly revisions: ReadonlyArray<{
    readonly fromYear: number;
    readonly fluxShare: number | null;
    readonly annualVolume: number | null;
    readonly agreedBy: readonly ConventionParty[];
  }>;
  /** Stock → flux conversions adopted for the convention (absent on states folded before they existed). */
  readonly stockConversions?: ReadonlyArray<Extract<ReservationEvent, { type: 'StockConverted' }>['data']>;
  /** Leases validated a posteriori (absent: none). */
  readonly validatedLeases?: readonly string[];
}

const BOTH: readonly ConventionParty[] = CONVENTION_PARTIES;
const agreedByBoth = (agreedBy: readonly ConventionParty[]) => CONVENTION_PARTIES.every((party) => agreedBy.includes(party));

/** Whether both parties agreed to the convention's terms; a revision applies once both agreed to it too. */
export function conventionAgreed(state: ReservationState): boolean {
  return state.terms !== null && agreedByBoth(state.agreedBy);
}

/** What still waits for a party's agreement: the terms, and each revision not agreed by both. */
export function pendingAgreements(
  state: ReservationState,
): Array<{ revisionFromYear: number | null; missing: ConventionParty[] }> {
  const missing = (agreedBy: readonly ConventionParty[]) => CONVENTION_PARTIES.filter((party) => !agreedBy.includes(party));
  return [
    ...(state.terms && !agreedByBoth(state.agreedBy) ? [{ revisionFromYear: null, missing: missing(state.agreedBy) }] : []),
    ...state.revisions
      .filter((revision) => !agreedByBoth(revision.agreedBy))
      .map((revision) => ({ revisionFromYear: revision.fromYear, missing: missing(revision.agreedBy) })),
  ];
}

/**
 * Which convention: its id lives in the namespace of its two parties, so an organisation never
 * learns whether another pair of organisations uses the same id, and cannot take it before them.
 */
export interface ConventionRef {
  readonly bailleurId: string;
  readonly reservataireId: string;
  readonly conventionId: string;
}

export function reservationStreamId(ref: ConventionRef): string {
  return compositeKey('reservation', ref.bailleurId, ref.reservataireId, ref.conventionId);
}

/** The convention's key inside other keys (an alert's scope id, a filter): `{bailleurId}:{reservataireId}:{conventionId}`. */
export function conventionKey(ref: ConventionRef): string {
  return keyParts(ref.bailleurId, ref.reservataireId, ref.conventionId);
}

/** The territory a convention covers: its département, narrowed to the communes or EPCIs it lists. */
export function conventionPerimeter(terms: ConventionTerms): ConventionPerimeter {
  return { departement: terms.departement, ...terms.perimeter };
}

/** The share or volume in force for a year, after the revisions up to it that both parties agreed to. */
export function termsForYear(
  state: ReservationState,
  year: number,
): { fluxShare: number | null; annualVolume: number | null } | null {
  if (!state.terms) return null;
  let current = { fluxShare: state.terms.fluxShare, annualVolume: state.terms.annualVolume };
  for (const revision of state.revisions)
    if (revision.fromYear <= year && agreedByBoth(revision.agreedBy))
      current = { fluxShare: revision.fluxShare, annualVolume: revision.annualVolume };
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
        const outside = (command.data.perimeter?.communes ?? []).filter(
          (commune) => departementOfCommune(commune) !== command.data.departement,
        );
        if (outside.length) {
          throw new DomainError<ReservationErrorCode>('CONVENTION_TERMS_INVALID', {
            reason: 'communes hors du département de la convention',
            communes: outside,
          });
        }
        return [{ type: 'ReservationConventionSigned', data: command.data }];
      }
      case 'ReviseConvention': {
        if (!state.terms)
          throw new DomainError<ReservationErrorCode>('CONVENTION_NOT_FOUND', { conventionId: command.data.conventionId });
        checkAmounts(command.data.fluxShare, command.data.annualVolume);
        return [{ type: 'ConventionRevised', data: command.data }];
      }
      case 'RecordStockConversion': {
        const { conventionId, input, adoptedOn, agreedBy } = command.data;
        if (!state.terms) throw new DomainError<ReservationErrorCode>('CONVENTION_NOT_FOUND', { conventionId });
        if ((state.stockConversions ?? []).some((c) => c.input.firstYear === input.firstYear))
          throw new DomainError<ReservationErrorCode>('STOCK_CONVERSION_ALREADY_RECORDED', { firstYear: input.firstYear });
        const conversion = convertStock(input);
        return [
          {
            type: 'StockConverted',
            data: { conventionId, input, owed: conversion.owed, yearly: conversion.yearly, adoptedOn, agreedBy },
          },
        ];
      }
      case 'RecordAPosterioriValidation': {
        const { conventionId, leaseId } = command.data;
        if (!state.terms) throw new DomainError<ReservationErrorCode>('CONVENTION_NOT_FOUND', { conventionId });
        if ((state.validatedLeases ?? []).includes(leaseId))
          throw new DomainError<ReservationErrorCode>('VALIDATION_ALREADY_RECORDED', { leaseId });
        return [{ type: 'APosterioriValidationRecorded', data: command.data }];
      }
      case 'AgreeConvention': {
        const { conventionId, party, revisionFromYear } = command.data;
        if (!state.terms) throw new DomainError<ReservationErrorCode>('CONVENTION_NOT_FOUND', { conventionId });
        const agreedBy =
          revisionFromYear === null
            ? state.agreedBy
            : state.revisions.find((revision) => revision.fromYear === revisionFromYear)?.agreedBy;
        if (!agreedBy) throw new DomainError<ReservationErrorCode>('CONVENTION_REVISION_NOT_FOUND', { revisionFromYear });
        if (agreedBy.includes(party)) throw new DomainError<ReservationErrorCode>('CONVENTION_ALREADY_AGREED', { party });
        return [{ type: 'ConventionAgreed', data: command.data }];
      }
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case 'ReservationConventionSigned': {
        const { agreedBy, ...terms } = event.data;
        return { ...state, terms, agreedBy: agreedBy ?? BOTH };
      }
      case 'ConventionRevised':
        return {
          ...state,
          revisions: [
            // A revision from the same year replaces the one before it.
            ...state.revisions.filter((revision) => revision.fromYear !== event.data.fromYear),
            {
              fromYear: event.data.fromYear,
              fluxShare: event.data.fluxShare,
              annualVolume: event.data.annualVolume,
              agreedBy: event.data.agreedBy ?? BOTH,
            },
          ].sort((a, b) => a.fromYear - b.fromYear),
        };
      case 'StockConverted':
        return { ...state, stockConversions: [...(state.stockConversions ?? []), event.data] };
      case 'APosterioriValidationRecorded':
        return { ...state, validatedLeases: [...(state.validatedLeases ?? []), event.data.leaseId] };
      case 'ConventionAgreed': {
        const { party, revisionFromYear } = event.data;
        if (revisionFromYear === null) return { ...state, agreedBy: [...state.agreedBy, party] };
        return {
          ...state,
          revisions: state.revisions.map((revision) =>
            revision.fromYear === revisionFromYear ? { ...revision, agreedBy: [...revision.agreedBy, party] } : revision,
          ),
        };
      }
    }
  },
  initialState: { terms: null, agreedBy: [], revisions: [] },
};
