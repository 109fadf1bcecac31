import { Inject, Injectable } from '@nestjs/common';
import {
  referentialDecider,
  referentialStreamId,
  type EpciEntry,
  type Flat,
  type LeaseReferentialContext,
  type LeaseSignedData,
  type QpvEntry,
} from '@vigie/domain';
import { EVENT_STORE, type EventStore, loadAggregate } from '@vigie/event-store';
import { TerritorialReferential } from '@vigie/referential';

export interface ReferentialLookup {
  epci(siren: string): Promise<EpciEntry | null>;
  qpv(code: string): Promise<QpvEntry | null>;
}

/**
 * Looks up what the referential says of a flat before deciding on a fact about it: the EPCI
 * of its commune (an EPCI registered in Vigie with its own list of communes first, else the
 * official Etalab referential), and the QPV it names as registered, with its validity period.
 */
@Injectable()
export class LeaseReferentialService {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly territorial: TerritorialReferential,
  ) {}

  contextFor(lease: LeaseSignedData): Promise<LeaseReferentialContext> {
    return this.contextForFlat(lease.flat);
  }

  async contextForFlat(flat: Flat, lookup: ReferentialLookup = this.lookup()): Promise<LeaseReferentialContext> {
    const [registered, qpvEntry] = await Promise.all([
      lookup.epci(flat.epciSiren),
      flat.qpvCode ? lookup.qpv(flat.qpvCode) : undefined,
    ]);
    const communeEpciSiren = registered?.communes.includes(flat.communeInsee)
      ? registered.siren
      : (this.territorial.epciOfCommune(flat.communeInsee) ?? null);
    return {
      communeEpciSiren,
      ...(flat.qpvCode
        ? { qpv: qpvEntry ? { code: qpvEntry.code, validFrom: qpvEntry.validFrom, validTo: qpvEntry.validTo } : null }
        : {}),
    };
  }

  /** Reads registered EPCIs and QPVs from their streams; `cached` reuses each read (for a bulk import). */
  lookup(cached = false): ReferentialLookup {
    const { store } = this;
    const epcis = new Map<string, Promise<EpciEntry | null>>();
    const qpvs = new Map<string, Promise<QpvEntry | null>>();
    const read = <T>(cache: Map<string, Promise<T | null>>, kind: 'epci' | 'qpv', id: string): Promise<T | null> => {
      const hit = cached ? cache.get(id) : undefined;
      if (hit) return hit;
      const value = loadAggregate(store, referentialStreamId(kind, id), referentialDecider).then(
        (loaded) => loaded.state.entry as T | null,
      );
      if (cached) cache.set(id, value);
      return value;
    };
    return { epci: (siren) => read(epcis, 'epci', siren), qpv: (code) => read(qpvs, 'qpv', code) };
  }
}
