import { Inject, Injectable } from '@nestjs/common';
import {
  compositeKey,
  DomainError,
  REGISTRATION_PATHS,
  referentialDecider,
  referentialStreamId,
  type OrganisationErrorCode,
} from '@vigie/domain';
import { EVENT_STORE, type EventStore, loadAggregate } from '@vigie/event-store';
import type { DatabasePool } from '@vigie/postgres';
import { closestIds, TerritorialReferential } from '@vigie/referential';
import { DATABASE_POOL } from '../platform/platform.module.js';

/**
 * The ids registered for a kind, read from the streams the referential writes (no read-model
 * lag: an organisation registered a moment ago is suggested). Organisation ids, SIRENs and QPV
 * codes hold no character the stream-id encoding escapes.
 */
export async function registeredIds(pool: DatabasePool, kind: 'bailleur' | 'reservataire' | 'epci' | 'qpv'): Promise<string[]> {
  const prefix = referentialStreamId(kind, '');
  const { rows } = await pool.query<{ id: string }>(
    `SELECT substr(stream_id, length($1) + 1) AS id FROM streams WHERE starts_with(stream_id, $1)`,
    [prefix],
  );
  return rows.map((row) => row.id);
}

/** The domain's refusal of an organisation not registered, per kind. */
export const NOT_REGISTERED: Readonly<Record<'bailleur' | 'reservataire' | 'epci', OrganisationErrorCode>> = {
  bailleur: 'BAILLEUR_NOT_REGISTERED',
  reservataire: 'RESERVATAIRE_NOT_REGISTERED',
  epci: 'EPCI_NOT_REGISTERED',
};

/**
 * Whether an organisation is known: a bailleur or a réservataire registered in Vigie, an EPCI
 * registered in Vigie or listed in the official referential. Used where a request names an
 * organisation outside a fact a decider checks (API keys, conventions).
 */
@Injectable()
export class KnownOrganisationsService {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(DATABASE_POOL) private readonly pool: DatabasePool,
    private readonly territorial: TerritorialReferential,
  ) {}

  /** Organisations found registered: a registration is never undone, so each is read once. */
  private readonly registered = new Set<string>();

  async isRegistered(kind: 'bailleur' | 'reservataire' | 'epci', id: string): Promise<boolean> {
    if (kind === 'epci' && this.territorial.epci(id)) return true;
    const key = compositeKey('known-organisation', kind, id);
    if (this.registered.has(key)) return true;
    const { state } = await loadAggregate(this.store, referentialStreamId(kind, id), referentialDecider);
    if (state.entry !== null) this.registered.add(key);
    return state.entry !== null;
  }

  /** Whether the official referential lists a département (59, 2A, 971…). */
  isDepartement(code: string): boolean {
    return this.territorial.isDepartement(code);
  }

  /** Refuses a département the official referential does not list (a key for the État's services there). */
  assertDepartement(code: string): void {
    if (!this.isDepartement(code)) throw new DomainError('DEPARTEMENT_UNKNOWN', { departement: code });
  }

  /** Refuses an unknown organisation, saying how to register it and which registered ids are closest. */
  async assertRegistered(kind: 'bailleur' | 'reservataire' | 'epci', id: string): Promise<void> {
    if (await this.isRegistered(kind, id)) return;
    const registered = await registeredIds(this.pool, kind);
    const candidates = kind === 'epci' ? [...registered, ...this.territorial.all().map((epci) => epci.siren)] : registered;
    const path = REGISTRATION_PATHS[kind].replace(/\{(id|siren)\}/, id);
    throw new DomainError(NOT_REGISTERED[kind], {
      [kind === 'epci' ? 'epciSiren' : `${kind}Id`]: id,
      closest: closestIds(id, candidates),
      register: `PUT ${path}`,
    });
  }
}
