import { Inject, Injectable } from '@nestjs/common';
import {
  epciVersionsOf,
  qpvVersionsOf,
  referentialDecider,
  referentialStreamId,
  type EpciEntry,
  type EpciSources,
  type Flat,
  type KnownOrganisation,
  type OrganisationsContext,
  type LeaseReferentialContext,
  type QpvEntry,
} from '@vigie/domain';
import { EVENT_STORE, type EventStore, loadAggregate } from '@vigie/event-store';
import type { DatabasePool } from '@vigie/postgres';
import { closestIds, TerritorialReferential } from '@vigie/referential';
import { DATABASE_POOL } from '../platform/platform.module.js';
import { registeredIds } from '../referential/known-organisations.service.js';

export interface ReferentialLookup {
  /** Whether a bailleur or a réservataire is registered (read from its stream: no lag). */
  registered(kind: 'bailleur' | 'reservataire', id: string): Promise<boolean>;
  /** Ids registered for a kind, to suggest the closest to an unknown one. */
  registeredIds(kind: 'bailleur' | 'reservataire' | 'epci' | 'qpv'): Promise<readonly string[]>;
  /** Every registered composition of an EPCI (empty: none registered). */
  epciVersions(siren: string): Promise<readonly EpciEntry[]>;
  /** SIRENs of the registered EPCIs whose last composition lists a commune. */
  registeredEpcisListing(commune: string): Promise<readonly string[]>;
  /** Every registered version of a QPV (empty: not registered). */
  qpv(code: string): Promise<readonly QpvEntry[]>;
}

/**
 * Gathers what the referential says of a flat before deciding on a fact about it, every dated
 * version included (the decider keeps the one in force on the fact's date): the commune its
 * INSEE code counts as (a municipal arrondissement counts as its commune), the registered and
 * official compositions of the EPCIs that may hold it, and the QPV it names as registered.
 */
@Injectable()
export class LeaseReferentialService {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(DATABASE_POOL) private readonly pool: DatabasePool,
    private readonly territorial: TerritorialReferential,
  ) {}

  /** What the referential says of a fact's organisations and flat (a lease or a CAL decision). */
  async contextForFact(
    fact: { readonly flat: Flat; readonly bailleurId: string; readonly reservataireId: string | null },
    lookup: ReferentialLookup = this.lookup(),
  ): Promise<LeaseReferentialContext> {
    const [territory, organisations] = await Promise.all([
      this.contextForFlat(fact.flat, lookup),
      this.organisations(fact, lookup),
    ]);
    return { ...territory, organisations };
  }

  private async organisations(
    fact: { readonly bailleurId: string; readonly reservataireId: string | null },
    lookup: ReferentialLookup,
  ): Promise<OrganisationsContext> {
    const known = async (kind: 'bailleur' | 'reservataire', id: string): Promise<KnownOrganisation> =>
      (await lookup.registered(kind, id))
        ? { registered: true, closest: [] }
        : { registered: false, closest: closestIds(id, await lookup.registeredIds(kind)) };
    const [bailleur, reservataire] = await Promise.all([
      known('bailleur', fact.bailleurId),
      fact.reservataireId === null ? null : known('reservataire', fact.reservataireId),
    ]);
    return { bailleur, reservataire };
  }

  private async contextForFlat(flat: Flat, lookup: ReferentialLookup): Promise<Omit<LeaseReferentialContext, 'organisations'>> {
    const commune = this.territorial.commune(flat.communeInsee)?.membershipCommune ?? null;
    const official = commune === null ? undefined : this.territorial.epciOfCommune(commune);
    const [listing, qpvVersions] = await Promise.all([
      commune === null ? [] : lookup.registeredEpcisListing(commune),
      flat.qpvCode ? lookup.qpv(flat.qpvCode) : undefined,
    ]);
    const candidates = [...new Set([flat.epciSiren, ...(official ? [official] : []), ...listing])];
    const epcis: Record<string, EpciSources> = {};
    await Promise.all(
      candidates.map(async (siren) => {
        epcis[siren] = {
          registered: await lookup.epciVersions(siren),
          official: this.territorial.epci(siren)?.communes ?? null,
        };
      }),
    );
    const named = epcis[flat.epciSiren]!;
    const epciKnown = named.registered.length > 0 || named.official !== null;
    return {
      membershipCommune: commune,
      epcis,
      ...(epciKnown
        ? {}
        : {
            epciClosest: closestIds(flat.epciSiren, [
              ...(await lookup.registeredIds('epci')),
              ...this.territorial.all().map((epci) => epci.siren),
            ]),
          }),
      ...(flat.qpvCode && !qpvVersions?.length
        ? { qpvClosest: closestIds(flat.qpvCode, await lookup.registeredIds('qpv')) }
        : {}),
      ...(flat.qpvCode
        ? {
            qpv: qpvVersions?.length
              ? {
                  code: flat.qpvCode,
                  versions: qpvVersions.map(({ validFrom, validTo, communes }) => ({ validFrom, validTo, communes })),
                }
              : null,
          }
        : {}),
    };
  }

  /**
   * For a new composition of the EPCI `siren`: every other EPCI that holds or held one of its
   * communes (officially, or in its registered composition), with its registered versions and
   * official members, as the referential decider needs them to refuse a commune in two EPCIs.
   */
  async otherEpcisOf(
    siren: string,
    communes: readonly string[],
    lookup: ReferentialLookup = this.lookup(true),
  ): Promise<Record<string, EpciSources>> {
    const holders = new Set<string>();
    await Promise.all(
      communes.map(async (commune) => {
        const official = this.territorial.epciOfCommune(commune);
        if (official) holders.add(official);
        for (const registered of await lookup.registeredEpcisListing(commune)) holders.add(registered);
      }),
    );
    holders.delete(siren);
    const epcis: Record<string, EpciSources> = {};
    await Promise.all(
      [...holders].map(async (other) => {
        epcis[other] = { registered: await lookup.epciVersions(other), official: this.territorial.epci(other)?.communes ?? null };
      }),
    );
    return epcis;
  }

  /** Reads registered EPCIs and QPVs from their streams; `cached` reuses each read (for a bulk import). */
  lookup(cached = false): ReferentialLookup {
    const { store, pool } = this;
    const cache = new Map<string, Promise<unknown>>();
    const memo = <T>(key: string, read: () => Promise<T>): Promise<T> => {
      const hit = cached ? (cache.get(key) as Promise<T> | undefined) : undefined;
      if (hit) return hit;
      const value = read();
      if (cached) {
        cache.set(key, value);
        // A read that failed (the database away for a moment) is read again next time, never kept.
        value.catch(() => cache.delete(key));
      }
      return value;
    };
    return {
      registered: (kind, id) =>
        memo(
          `${kind}:${id}`,
          async () => (await loadAggregate(store, referentialStreamId(kind, id), referentialDecider)).state.entry !== null,
        ),
      registeredIds: (kind) => memo(`ids:${kind}`, () => registeredIds(pool, kind)),
      epciVersions: (siren) =>
        memo(`epci:${siren}`, async () =>
          epciVersionsOf((await loadAggregate(store, referentialStreamId('epci', siren), referentialDecider)).state),
        ),
      registeredEpcisListing: (commune) =>
        memo(`listing:${commune}`, async () => {
          const { rows } = await pool.query<{ id: string }>(
            `SELECT id FROM referential_entries WHERE kind = 'epci' AND entry->'communes' ? $1`,
            [commune],
          );
          return rows.map((row) => row.id);
        }),
      qpv: (code) =>
        memo(`qpv:${code}`, async () =>
          qpvVersionsOf((await loadAggregate(store, referentialStreamId('qpv', code), referentialDecider)).state),
        ),
    };
  }
}
