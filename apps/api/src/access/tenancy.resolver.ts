import { Inject, Injectable } from '@nestjs/common';
import { departementOfCommune, mergeOwners, type Owners, ownersOfEventData } from '@vigie/access';
import { isUuid } from '../http/params.js';
import {
  attributionDecider,
  attributionStreamId,
  flatStreamId,
  departementOfQpv,
  type ConventionRef,
  foldEvents,
  ORGANISATION_ID,
  REFERENCE_ID,
  reservationStreamId,
  type AttributionEvent,
} from '@vigie/domain';
import { TerritorialReferential } from '@vigie/referential';
import { EVENT_STORE, type EventStore } from '@vigie/event-store';
import type { DataSource, Repository } from 'typeorm';
import { DATA_SOURCE } from '../platform/platform.module.js';
import { ImportEntity, type ImportRow } from '../imports/import.entity.js';

/** Finds which organisations a resource belongs to, for the access guard and the filtered views. */
@Injectable()
export class TenancyResolver {
  private readonly departementsByEpci = new Map<string, string[]>();
  private readonly epcisByDepartement = new Map<string, string[]>();
  private readonly imports: Repository<ImportRow>;
  /** Flats whose release was read: an event is never withdrawn, so a released flat stays its bailleur's (bounded). */
  private readonly releasedFlats = new Set<string>();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(DATA_SOURCE) dataSource: DataSource,
    private readonly territory: TerritorialReferential,
  ) {
    this.imports = dataSource.getRepository(ImportEntity);
  }

  /** An EPCI is its own, and its départements' (the État's services there). */
  epci(siren: string): Owners {
    return { epcis: [siren], departements: this.departementsOfEpci(siren) };
  }

  departementsOfEpci(siren: string): string[] {
    let departements = this.departementsByEpci.get(siren);
    if (!departements) {
      const communes = this.territory.epci(siren)?.communes ?? [];
      departements = [...new Set(communes.map(departementOfCommune))];
      this.departementsByEpci.set(siren, departements);
    }
    return departements;
  }

  /** EPCIs with at least one commune in the département (what the État's services there oversee). */
  epcisOfDepartement(departement: string): string[] {
    let epcis = this.epcisByDepartement.get(departement);
    if (!epcis) {
      epcis = this.territory
        .all()
        .filter((epci) => epci.communes.some((commune) => departementOfCommune(commune) === departement))
        .map((epci) => epci.siren);
      this.epcisByDepartement.set(departement, epcis);
    }
    return epcis;
  }

  /**
   * Who a commune of the body belongs to: the EPCI the official referential puts it in, and the
   * État of its département. A commune the referential does not know is nobody's (only an admin
   * may name it).
   */
  commune(communeInsee: string): Owners {
    const epci = this.territory.epciOfCommune(communeInsee);
    return epci ? { epcis: [epci], departements: [departementOfCommune(communeInsee)] } : {};
  }

  /** Who a QPV of the body belongs to: the État of its département and the EPCIs there. */
  qpv(code: string): Owners {
    const departement = departementOfQpv(code);
    return departement ? { departements: [departement], epcis: this.epcisOfDepartement(departement) } : {};
  }

  /** The organisations an event names, and the État of their EPCIs' départements. */
  ownersOfEvent(data: unknown): Owners {
    const owners = ownersOfEventData(data);
    return mergeOwners(owners, { departements: owners.epcis.flatMap((siren) => this.departementsOfEpci(siren)) });
  }

  /** A case belongs to the bailleur its recorded facts name; null if it has none (or the ids cannot name one). */
  async case(bailleurId: string, caseId: string): Promise<Owners | null> {
    if (!ORGANISATION_ID.test(bailleurId) || !REFERENCE_ID.test(caseId)) return null;
    const { events } = await this.store.readStream(attributionStreamId(bailleurId, caseId));
    const state = foldEvents(
      attributionDecider,
      events.map((event) => ({
        ...({ type: event.type, data: event.data } as AttributionEvent),
        eventId: event.eventId,
        streamVersion: event.streamVersion,
      })),
    );
    return state.case ? { bailleurs: [state.case.bailleurId] } : null;
  }

  /**
   * A flat is its bailleur's when the bailleur recorded it (its release, FlatReleased, on the
   * flat's stream): null for a flat no fact names, or named by another bailleur only.
   */
  async flat(bailleurId: string, rplsId: string): Promise<Owners | null> {
    if (!ORGANISATION_ID.test(bailleurId) || !/^[A-Za-z0-9]{1,20}$/.test(rplsId)) return null;
    const stream = flatStreamId(bailleurId, rplsId);
    if (this.releasedFlats.has(stream)) return { bailleurs: [bailleurId] };
    const { events } = await this.store.readStream(stream);
    if (!events.some((event) => event.type === 'FlatReleased')) return null;
    if (this.releasedFlats.size >= 10_000) this.releasedFlats.delete(this.releasedFlats.values().next().value!);
    this.releasedFlats.add(stream);
    return { bailleurs: [bailleurId] };
  }

  /** A reservation convention belongs to its bailleur, its réservataire and its département; null if unknown. */
  async convention(ref: ConventionRef): Promise<Owners | null> {
    if (![ref.bailleurId, ref.reservataireId].every((id) => ORGANISATION_ID.test(id)) || !REFERENCE_ID.test(ref.conventionId))
      return null;
    const { events } = await this.store.readStream(reservationStreamId(ref));
    const signed = events.find((event) => event.type === 'ReservationConventionSigned');
    if (!signed) return null;
    const terms = signed.data as { bailleurId: string; reservataireId: string; departement: string };
    return { bailleurs: [terms.bailleurId], reservataires: [terms.reservataireId], departements: [terms.departement] };
  }

  /** An event belongs to every organisation it names (and the État of their départements); null if unknown. */
  async event(eventId: string): Promise<Owners | null> {
    if (!isUuid(eventId)) return null;
    const event = await this.store.readEvent(eventId.toLowerCase());
    if (!event) return null;
    const owners = this.ownersOfEvent(event.data);
    // An event about a convention (its revisions, agreements, flats oriented or returned) is also its parties'.
    const convention = await this.conventionOfEvent(event.streamId, event.data);
    return convention ? mergeOwners(owners, convention) : owners;
  }

  /**
   * The convention an event is about: the convention's own stream, or a flux fact naming the
   * bailleur, réservataire and convention it was oriented to or returned from.
   */
  private async conventionOfEvent(streamId: string, data: unknown): Promise<Owners | null> {
    const named = data as { bailleurId?: unknown; reservataireId?: unknown; conventionId?: unknown } | null;
    if (typeof named?.conventionId !== 'string') return null;
    if (typeof named.bailleurId === 'string' && typeof named.reservataireId === 'string') {
      return this.convention({
        bailleurId: named.bailleurId,
        reservataireId: named.reservataireId,
        conventionId: named.conventionId,
      });
    }
    // Revisions and agreements name only the convention id: their stream is the convention's.
    const { events } = await this.store.readStream(streamId);
    const signed = events.find((event) => event.type === 'ReservationConventionSigned');
    const terms = signed?.data as { bailleurId: string; reservataireId: string; departement: string } | undefined;
    return terms
      ? { bailleurs: [terms.bailleurId], reservataires: [terms.reservataireId], departements: [terms.departement] }
      : null;
  }

  /** An import belongs to the organisation whose key started it; null if unknown. */
  async import(importId: string): Promise<Owners | null> {
    if (!isUuid(importId)) return null;
    const row = await this.imports.findOne({
      select: { ownerRole: true, ownerTenant: true },
      where: { id: importId.toLowerCase() },
    });
    if (!row) return null;
    return row.ownerRole === 'bailleur' ? { bailleurs: [row.ownerTenant] } : {};
  }
}
