import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

interface EtalabEpci {
  readonly code: string;
  readonly nom: string;
  readonly membres: ReadonlyArray<{ readonly code: string }>;
}

interface EtalabCommune {
  readonly code: string;
  readonly nom: string;
  readonly type: 'commune-actuelle' | 'commune-deleguee' | 'commune-associee' | 'arrondissement-municipal';
  readonly departement: string;
  /** The commune a municipal arrondissement belongs to. */
  readonly commune?: string;
  /** The commune a delegated or associated commune belongs to. */
  readonly chefLieu?: string;
}

/** A code of the official referential a flat may be located by. */
export interface TerritorialCommune {
  readonly code: string;
  readonly name: string;
  readonly kind: EtalabCommune['type'];
  readonly departement: string;
  /**
   * The commune it counts as for EPCI membership: itself for a commune, its commune for a
   * municipal arrondissement of Paris, Lyon or Marseille (75115 → 75056), the commune it
   * belongs to for a delegated or associated commune.
   */
  readonly membershipCommune: string;
}

/**
 * Which official referential is shipped: `@etalab/decoupage-administratif` 6.0.0 is the
 * millésime 2026 (EPCI composition of the DGCL on 1 January 2026, communes of the COG 2026).
 */
export const OFFICIAL_REFERENTIAL = {
  source: '@etalab/decoupage-administratif',
  version: '6.0.0',
  millesime: 2026,
  /** From this day on the shipped composition describes the EPCIs (before it, it is the best knowledge shipped). */
  describesFrom: '2026-01-01',
} as const;

export interface TerritorialEpci {
  readonly siren: string;
  readonly name: string;
  readonly communes: readonly string[];
}

/**
 * The official territorial referential shipped by @etalab/decoupage-administratif: every EPCI
 * with its member communes (INSEE codes). Loaded once, on first use (4 MB of JSON).
 */
export class TerritorialReferential {
  private byEpci: Map<string, TerritorialEpci> | undefined;
  private epciByCommune: Map<string, string> | undefined;
  private communes: Map<string, TerritorialCommune> | undefined;
  private departements: Set<string> | undefined;

  private folder(): string {
    // Resolved from this module, not from the working directory: Vigie may be started from any folder.
    const require = createRequire(import.meta.url);
    return dirname(require.resolve('@etalab/decoupage-administratif/package.json'));
  }

  private loadCommunes(): Map<string, TerritorialCommune> {
    if (this.communes) return this.communes;
    const rows = JSON.parse(readFileSync(join(this.folder(), 'data', 'communes.json'), 'utf8')) as EtalabCommune[];
    const communes = new Map<string, TerritorialCommune>();
    // A delegated commune may share its code with its current commune: the current commune wins.
    const rank = { 'commune-actuelle': 0, 'arrondissement-municipal': 1, 'commune-deleguee': 2, 'commune-associee': 3 };
    for (const row of [...rows].sort((a, b) => rank[a.type] - rank[b.type])) {
      if (communes.has(row.code)) continue;
      communes.set(row.code, {
        code: row.code,
        name: row.nom,
        kind: row.type,
        departement: row.departement,
        membershipCommune: row.commune ?? row.chefLieu ?? row.code,
      });
    }
    this.communes = communes;
    return communes;
  }

  /** Whether a département code (59, 2A, 971…) is one of the official referential's. */
  isDepartement(code: string): boolean {
    this.departements ??= new Set([...this.loadCommunes().values()].map((commune) => commune.departement));
    return this.departements.has(code);
  }

  /** The commune (or municipal arrondissement, or delegated commune) of an INSEE code; undefined when unknown. */
  commune(code: string): TerritorialCommune | undefined {
    return this.loadCommunes().get(code);
  }

  private load(): void {
    if (this.byEpci) return;
    const folder = this.folder();
    const epcis = JSON.parse(readFileSync(join(folder, 'data', 'epci.json'), 'utf8')) as EtalabEpci[];
    this.byEpci = new Map();
    this.epciByCommune = new Map();
    for (const epci of epcis) {
      const communes = epci.membres.map((member) => member.code);
      this.byEpci.set(epci.code, { siren: epci.code, name: epci.nom, communes });
      for (const commune of communes) this.epciByCommune.set(commune, epci.code);
    }
  }

  epci(siren: string): TerritorialEpci | undefined {
    this.load();
    return this.byEpci!.get(siren);
  }

  /** SIREN of the EPCI a commune belongs to, or undefined for an unknown commune. */
  epciOfCommune(communeInsee: string): string | undefined {
    this.load();
    return this.epciByCommune!.get(communeInsee);
  }

  all(): TerritorialEpci[] {
    this.load();
    return [...this.byEpci!.values()];
  }

  get epciCount(): number {
    this.load();
    return this.byEpci!.size;
  }
}
