import { Inject, Injectable } from '@nestjs/common';
import { departementOfCommune, mergeOwners, type Owners, ownersOfEventData } from '@vigie/access';
import { isUuid } from '../http/params.js';
import { reservationStreamId } from '@vigie/domain';
import { TerritorialReferential } from '@vigie/referential';
import { RUNTIME, type Runtime } from '../runtime/runtime.js';

/** Finds which organisations a resource belongs to, for the access guard and the filtered views. */
@Injectable()
export class TenancyResolver {
  private readonly departementsByEpci = new Map<string, string[]>();
  private readonly epcisByDepartement = new Map<string, string[]>();

  constructor(
    @Inject(RUNTIME) private readonly runtime: Runtime,
    private readonly territory: TerritorialReferential,
  ) {}

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

  /** The organisations an event names, and the État of their EPCIs' départements. */
  ownersOfEvent(data: unknown): Owners {
    const owners = ownersOfEventData(data);
    return mergeOwners(owners, { departements: owners.epcis.flatMap((siren) => this.departementsOfEpci(siren)) });
  }

  /** A reservation convention belongs to its bailleur, its réservataire and its département; null if unknown. */
  async convention(conventionId: string): Promise<Owners | null> {
    const { events } = await this.runtime.store.readStream(reservationStreamId(conventionId));
    const signed = events.find((event) => event.type === 'ReservationConventionSigned');
    if (!signed) return null;
    const terms = signed.data as { bailleurId: string; reservataireId: string; departement: string };
    return { bailleurs: [terms.bailleurId], reservataires: [terms.reservataireId], departements: [terms.departement] };
  }

  /** An event belongs to every organisation it names (and the État of their départements); null if unknown. */
  async event(eventId: string): Promise<Owners | null> {
    if (!isUuid(eventId)) return null;
    const event = await this.runtime.store.readEvent(eventId.toLowerCase());
    if (!event) return null;
    const owners = this.ownersOfEvent(event.data);
    // An event about a convention (its revisions, agreements, flats oriented or returned) is also its parties'.
    const conventionId = (event.data as { conventionId?: unknown } | null)?.conventionId;
    const convention = typeof conventionId === 'string' ? await this.convention(conventionId) : null;
    return convention ? mergeOwners(owners, convention) : owners;
  }

  /** An import belongs to the organisation whose key started it; null if unknown. */
  async import(importId: string): Promise<Owners | null> {
    if (!isUuid(importId)) return null;
    const { rows } = await this.runtime.pool.query<{ owner_role: string | null; owner_tenant: string | null }>(
      'SELECT owner_role, owner_tenant FROM imports WHERE id = $1',
      [importId.toLowerCase()],
    );
    const row = rows[0];
    if (!row) return null;
    const tenant = row.owner_tenant;
    return row.owner_role === 'bailleur' ? { bailleurs: [tenant] } : {};
  }
}
