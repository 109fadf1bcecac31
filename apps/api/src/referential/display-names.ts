import { listReferentialEntries } from '@vigie/projections';
import type { DatabasePool } from '@vigie/postgres';
import type { TerritorialReferential } from '@vigie/referential';

interface RegisteredEpci {
  readonly siren: string;
  readonly name?: string;
  readonly communes?: readonly string[];
}

/**
 * The names people read beside identifiers (pages, CSV and XLSX exports): the registered
 * bailleurs' and réservataires', the EPCIs' (registered name, else the official referential's)
 * and the communes' (official referential, millésime shipped). Read once per answer; a code no
 * referential names has no name (null), and its identifier stays in its own column.
 */
export class DisplayNames {
  private constructor(
    private readonly territorial: TerritorialReferential,
    readonly bailleurs: Readonly<Record<string, string>>,
    readonly reservataires: Readonly<Record<string, string>>,
    private readonly epcis: ReadonlyMap<string, RegisteredEpci>,
    private readonly sectors: ReadonlyMap<string, string> = new Map(),
  ) {}

  /** The same names, with the sectors a CIA defines (a sector is named by its CIA, not by a referential). */
  withSectors(sectors: readonly { readonly id: string; readonly name: string }[]): DisplayNames {
    return new DisplayNames(
      this.territorial,
      this.bailleurs,
      this.reservataires,
      this.epcis,
      new Map(sectors.map((sector) => [sector.id, sector.name])),
    );
  }

  static async read(pool: DatabasePool, territorial: TerritorialReferential): Promise<DisplayNames> {
    const named = async (kind: 'bailleur' | 'reservataire') =>
      Object.fromEntries(
        (await listReferentialEntries<{ id: string; name: string }>(pool, kind)).map((item) => [item.id, item.name]),
      );
    const [bailleurs, reservataires, epcis] = await Promise.all([
      named('bailleur'),
      named('reservataire'),
      listReferentialEntries<RegisteredEpci>(pool, 'epci'),
    ]);
    return new DisplayNames(territorial, bailleurs, reservataires, new Map(epcis.map((entry) => [entry.siren, entry])));
  }

  bailleur(id: string): string | null {
    return this.bailleurs[id] ?? null;
  }

  /** A lease no réservataire holds (null, or the `non_reserve` group of a breakdown) reads "Non réservé". */
  reservataire(id: string | null): string | null {
    if (id === null || id === 'non_reserve') return 'Non réservé';
    return this.reservataires[id] ?? null;
  }

  commune(code: string): string | null {
    return this.territorial.commune(code)?.name ?? null;
  }

  epci(siren: string): string | null {
    return this.epcis.get(siren)?.name ?? this.territorial.epci(siren)?.name ?? null;
  }

  /** Whether Vigie has the EPCI registered, and its registered composition if so. */
  registeredEpci(siren: string): RegisteredEpci | undefined {
    return this.epcis.get(siren);
  }

  /** The name of a scope of the compliance figures (a breakdown's row); a sector by the CIA given to withSectors. */
  scope(kind: string, id: string, parties?: { bailleurId: string; reservataireId: string | null }): string | null {
    switch (kind) {
      case 'epci':
        return this.epci(id);
      case 'bailleur':
        return this.bailleur(id);
      case 'reservataire':
        return this.reservataire(id);
      case 'commune':
        return this.commune(id);
      case 'secteur':
        return id === 'hors_secteur' ? 'Hors secteur' : (this.sectors.get(id) ?? null);
      case 'bailleur_reservataire':
        return parties
          ? `${this.bailleur(parties.bailleurId) ?? parties.bailleurId} × ${this.reservataire(parties.reservataireId) ?? parties.reservataireId}`
          : null;
      default:
        return null;
    }
  }
}
