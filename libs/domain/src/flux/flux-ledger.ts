import type { Decider } from '../decider.js';
import { DomainError } from '../domain-error.js';
import { compositeKey } from '../identity/composite-key.js';

/**
 * The yearly flux of a bailleur (stream `flux:{bailleurId}:{year}`): flats that become vacant,
 * in or out of the net base (with the reason), oriented to a réservataire's convention, or
 * returned to the bailleur when the réservataire proposed no one in time.
 */
export const EXCLUSION_REASONS = ['internal_mutation', 'internal_urban_renewal', 'sale', 'orcod', 'lhi'] as const;
export type ExclusionReason = (typeof EXCLUSION_REASONS)[number];

export type FluxEvent =
  | {
      readonly type: 'FlatReleased';
      readonly data: {
        readonly bailleurId: string;
        readonly rplsId: string;
        readonly departement: string;
        readonly releasedOn: string;
        readonly inNetBase: boolean;
        readonly exclusionReason: ExclusionReason | null;
      };
    }
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
  | { readonly type: 'ReleaseFlat'; readonly data: Extract<FluxEvent, { type: 'FlatReleased' }>['data'] }
  | { readonly type: 'OrientFlat'; readonly data: Extract<FluxEvent, { type: 'FlatOrientedToReservataire' }>['data'] }
  | { readonly type: 'ReturnFlat'; readonly data: Extract<FluxEvent, { type: 'FlatReturnedToBailleur' }>['data'] };

export type FluxErrorCode =
  | 'EXCLUSION_REASON_REQUIRED'
  | 'FLAT_ALREADY_RELEASED'
  | 'FLAT_NOT_RELEASED'
  | 'FLAT_OUTSIDE_NET_BASE'
  | 'FLAT_ALREADY_ORIENTED'
  | 'FLAT_NOT_ORIENTED';

interface FlatState {
  readonly releasedOn: string;
  readonly inNetBase: boolean;
  /** Convention the flat is currently oriented to (null: not oriented, or returned). */
  readonly orientedTo: { readonly reservataireId: string; readonly conventionId: string } | null;
  readonly returned: boolean;
}

export interface FluxState {
  /** Latest release of each flat this year. */
  readonly flats: Readonly<Record<string, FlatState>>;
}

export function fluxStreamId(bailleurId: string, year: number): string {
  return compositeKey('flux', bailleurId, year);
}

const fail = (code: FluxErrorCode, details: Record<string, unknown>) => new DomainError<FluxErrorCode>(code, details);

export const fluxDecider: Decider<FluxCommand, FluxEvent, FluxState> = {
  decide(command, state) {
    const flat = state.flats[command.data.rplsId];
    switch (command.type) {
      case 'ReleaseFlat': {
        const { inNetBase, exclusionReason } = command.data;
        if (inNetBase === (exclusionReason !== null)) throw fail('EXCLUSION_REASON_REQUIRED', { rplsId: command.data.rplsId });
        if (flat && flat.releasedOn === command.data.releasedOn)
          throw fail('FLAT_ALREADY_RELEASED', { rplsId: command.data.rplsId });
        return [{ type: 'FlatReleased', data: command.data }];
      }
      case 'OrientFlat': {
        if (!flat) throw fail('FLAT_NOT_RELEASED', { rplsId: command.data.rplsId });
        if (!flat.inNetBase) throw fail('FLAT_OUTSIDE_NET_BASE', { rplsId: command.data.rplsId });
        if (flat.orientedTo !== null || flat.returned)
          throw fail('FLAT_ALREADY_ORIENTED', {
            rplsId: command.data.rplsId,
            conventionId: flat.orientedTo?.conventionId ?? null,
          });
        return [{ type: 'FlatOrientedToReservataire', data: command.data }];
      }
      case 'ReturnFlat': {
        if (
          !flat ||
          flat.orientedTo?.conventionId !== command.data.conventionId ||
          flat.orientedTo.reservataireId !== command.data.reservataireId
        )
          throw fail('FLAT_NOT_ORIENTED', { rplsId: command.data.rplsId, conventionId: command.data.conventionId });
        return [{ type: 'FlatReturnedToBailleur', data: command.data }];
      }
    }
  },
  evolve(state, event) {
    const flats = { ...state.flats };
    const current = flats[event.data.rplsId];
    switch (event.type) {
      case 'FlatReleased':
        flats[event.data.rplsId] = {
          releasedOn: event.data.releasedOn,
          inNetBase: event.data.inNetBase,
          orientedTo: null,
          returned: false,
        };
        break;
      case 'FlatOrientedToReservataire':
        if (current) {
          const { reservataireId, conventionId } = event.data;
          flats[event.data.rplsId] = { ...current, orientedTo: { reservataireId, conventionId } };
        }
        break;
      case 'FlatReturnedToBailleur':
        if (current) flats[event.data.rplsId] = { ...current, orientedTo: null, returned: true };
        break;
    }
    return { flats };
  },
  initialState: { flats: {} },
};

/** Département of a commune from its INSEE code (2A / 2B in Corsica, three digits overseas). */
export function departementOfCommune(communeInsee: string): string {
  return communeInsee.startsWith('97') || communeInsee.startsWith('98') ? communeInsee.slice(0, 3) : communeInsee.slice(0, 2);
}
