import { Inject, Injectable } from '@nestjs/common';
import {
  referentialDecider,
  referentialStreamId,
  type EpciEntry,
  type LeaseReferentialContext,
  type LeaseSignedData,
  type QpvEntry,
} from '@vigie/domain';
import { loadAggregate } from '@vigie/event-store';
import { TerritorialReferential } from '@vigie/referential';
import { RUNTIME, type Runtime } from '../runtime/runtime.js';

/**
 * Looks up what the referential says of a lease before deciding on it: the EPCI of its
 * commune (an EPCI registered in Vigie with its own list of communes first, else the official
 * Etalab referential), and the QPV it names as registered, with its validity period.
 */
@Injectable()
export class LeaseReferentialService {
  constructor(
    @Inject(RUNTIME) private readonly runtime: Runtime,
    private readonly territorial: TerritorialReferential,
  ) {}

  async contextFor(lease: LeaseSignedData): Promise<LeaseReferentialContext> {
    const { store } = this.runtime;
    const [epci, qpv] = await Promise.all([
      loadAggregate(store, referentialStreamId('epci', lease.flat.epciSiren), referentialDecider),
      lease.flat.qpvCode ? loadAggregate(store, referentialStreamId('qpv', lease.flat.qpvCode), referentialDecider) : undefined,
    ]);
    const registered = epci.state.entry as EpciEntry | null;
    const communeEpciSiren = registered?.communes.includes(lease.flat.communeInsee)
      ? registered.siren
      : (this.territorial.epciOfCommune(lease.flat.communeInsee) ?? null);
    const qpvEntry = qpv?.state.entry as QpvEntry | null | undefined;
    return {
      communeEpciSiren,
      ...(lease.flat.qpvCode
        ? { qpv: qpvEntry ? { code: qpvEntry.code, validFrom: qpvEntry.validFrom, validTo: qpvEntry.validTo } : null }
        : {}),
    };
  }
}
