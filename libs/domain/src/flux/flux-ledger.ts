import type { Decider } from '../decider.js';
import { DomainError } from '../domain-error.js';
import { compositeKey } from '../identity/composite-key.js';
import { type ConventionPerimeter, inPerimeter, type Place } from './perimeter.js';

/**
 * The flux life of one flat of a bailleur (stream `flux-flat:{bailleurId}:{rplsId}`): it becomes
 * vacant (released), in or out of the net base (with the reason), is oriented to a réservataire's
 * convention, or returned to the bailleur when the réservataire proposed no one in time.
 *
 * A flat's life may cross 31 December (released on 30 December, oriented on 2 January): each fact
 * counts in the year of its own date (read models key it by that date), and the decider holds only
 * what a decision on this flat needs (its current release), so a write costs the same on 2 January
 * and on 31 December whatever the bailleur's volume. Streams written before were one per bailleur
 * and year (`flux:{bailleurId}:{year}`); migration `projections/009-flux-flat-streams` moved them.
 */
export const EXCLUSION_REASONS = ['internal_mutation', 'internal_urban_renewal', 'sale', 'orcod', 'lhi'] as const;
export type ExclusionReason = (typeof EXCLUSION_REASONS)[number];

/** Where a flat lies: its département, and when the release named them, its commune and EPCI. */
export type FlatPlace = Place;

export interface FlatReleasedData {
  readonly bailleurId: string;
  readonly rplsId: string;
  readonly departement: string;
  /** The flat's commune and EPCI: absent on releases recorded before perimeters (they count département-wide only). */
  readonly communeInsee?: string | null;
  readonly epciSiren?: string | null;
  readonly releasedOn: string;
  readonly inNetBase: boolean;
  readonly exclusionReason: ExclusionReason | null;
}

export type FluxEvent =
  | { readonly type: 'FlatReleased'; readonly data: FlatReleasedData }
  | {
      readonly type: 'FlatOrientedToReservataire';
      readonly data: {
        readonly bailleurId: string;
        readonly rplsId: string;
        readonly reservataireId: string;
        readonly conventionId: string;
        readonly orientedOn: string;
      };
    }
  | {
      readonly type: 'FlatReturnedToBailleur';
      readonly data: {
        readonly bailleurId: string;
        readonly rplsId: string;
        /** Absent on returns recorded before convention ids were namespaced by their parties. */
        readonly reservataireId?: string;
        readonly conventionId: string;
        readonly returnedOn: string;
        readonly reason: string;
      };
    };

export type FluxCommand =
  | { readonly type: 'ReleaseFlat'; readonly data: FlatReleasedData }
  | {
      readonly type: 'OrientFlat';
      readonly data: Extract<FluxEvent, { type: 'FlatOrientedToReservataire' }>['data'];
      /** The convention's perimeter, read by the caller from the convention: the flat must lie in it. */
      readonly perimeter?: ConventionPerimeter;
    }
  | { readonly type: 'ReturnFlat'; readonly data: Extract<FluxEvent, { type: 'FlatReturnedToBailleur' }>['data'] };

export type FluxErrorCode =
  | 'EXCLUSION_REASON_REQUIRED'
  | 'FLAT_ALREADY_RELEASED'
  | 'FLAT_NOT_RELEASED'
  | 'FLAT_OUTSIDE_NET_BASE'
  | 'FLAT_ALREADY_ORIENTED'
  | 'FLAT_NOT_ORIENTED'
  | 'FLUX_FACT_OUT_OF_ORDER'
  | 'FLAT_OUTSIDE_PERIMETER';

/** The flat's current release: all a decision on it needs (bounded, whatever the flat's history). */
export interface FlatLife {
  readonly releasedOn: string;
  readonly inNetBase: boolean;
  readonly place: FlatPlace;
  /** Convention the flat is currently oriented to (null: not oriented, or returned). */
  readonly orientedTo: { readonly reservataireId: string; readonly conventionId: string; readonly orientedOn: string } | null;
  readonly returned: boolean;
}

export interface FluxState {
  readonly flat: FlatLife | null;
}

/** The stream of one flat's flux life, across years. */
export function flatStreamId(bailleurId: string, rplsId: string): string {
  return compositeKey('flux-flat', bailleurId, rplsId);
}

/** Where a release says the flat lies. */
export function placeOfRelease(data: FlatReleasedData): FlatPlace {
  return { departement: data.departement, communeInsee: data.communeInsee ?? null, epciSiren: data.epciSiren ?? null };
}

const fail = (code: FluxErrorCode, details: Record<string, unknown>) => new DomainError<FluxErrorCode>(code, details);

export const fluxDecider: Decider<FluxCommand, FluxEvent, FluxState> = {
  decide(command, state) {
    const { flat } = state;
    const { rplsId } = command.data;
    switch (command.type) {
      case 'ReleaseFlat': {
        const { inNetBase, exclusionReason } = command.data;
        if (inNetBase === (exclusionReason !== null)) throw fail('EXCLUSION_REASON_REQUIRED', { rplsId });
        if (flat && flat.releasedOn === command.data.releasedOn) throw fail('FLAT_ALREADY_RELEASED', { rplsId });
        return [{ type: 'FlatReleased', data: command.data }];
      }
      case 'OrientFlat': {
        if (!flat) throw fail('FLAT_NOT_RELEASED', { rplsId });
        if (!flat.inNetBase) throw fail('FLAT_OUTSIDE_NET_BASE', { rplsId });
        if (flat.orientedTo !== null || flat.returned)
          throw fail('FLAT_ALREADY_ORIENTED', { rplsId, conventionId: flat.orientedTo?.conventionId ?? null });
        if (command.data.orientedOn < flat.releasedOn)
          throw fail('FLUX_FACT_OUT_OF_ORDER', { rplsId, releasedOn: flat.releasedOn });
        if (command.perimeter && !inPerimeter(command.perimeter, flat.place))
          throw fail('FLAT_OUTSIDE_PERIMETER', { rplsId, conventionId: command.data.conventionId });
        return [{ type: 'FlatOrientedToReservataire', data: command.data }];
      }
      case 'ReturnFlat': {
        if (
          !flat ||
          flat.orientedTo?.conventionId !== command.data.conventionId ||
          flat.orientedTo.reservataireId !== command.data.reservataireId
        )
          throw fail('FLAT_NOT_ORIENTED', { rplsId, conventionId: command.data.conventionId });
        if (command.data.returnedOn < flat.orientedTo.orientedOn)
          throw fail('FLUX_FACT_OUT_OF_ORDER', { rplsId, orientedOn: flat.orientedTo.orientedOn });
        return [{ type: 'FlatReturnedToBailleur', data: command.data }];
      }
    }
  },
  evolve(state, event) {
    const { flat } = state;
    switch (event.type) {
      case 'FlatReleased':
        return {
          flat: {
            releasedOn: event.data.releasedOn,
            inNetBase: event.data.inNetBase,
            place: placeOfRelease(event.data),
            orientedTo: null,
            returned: false,
          },
        };
      case 'FlatOrientedToReservataire': {
        if (!flat) return state;
        const { reservataireId, conventionId, orientedOn } = event.data;
        return { flat: { ...flat, orientedTo: { reservataireId, conventionId, orientedOn } } };
      }
      case 'FlatReturnedToBailleur':
        return flat ? { flat: { ...flat, orientedTo: null, returned: true } } : state;
    }
  },
  initialState: { flat: null },
};

export { departementOfCommune } from './perimeter.js';
