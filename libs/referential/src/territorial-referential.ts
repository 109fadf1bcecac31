import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

interface EtalabEpci {
  readonly code: string;
  readonly nom: string;
  readonly membres: ReadonlyArray<{ readonly code: string }>;
}

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

  private load(): void {
    if (this.byEpci) return;
    const require = createRequire(join(process.cwd(), 'package.json'));
    const folder = dirname(require.resolve('@etalab/decoupage-administratif/package.json'));
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
