/**
 * When each QPV list is in force, per territory: not every territory changed list on the same
 * day. A QPV registered without its own validity takes the period of its list in its territory
 * (its département, read from its code); a QPV registered with `validFrom` / `validTo` keeps
 * its own. The period is then written into the QPV's event: figures never depend on this table.
 */
export type QpvTerritory = 'metropole' | 'outre-mer';

export interface QpvListPeriod {
  readonly validFrom: string;
  readonly validTo: string | null;
  readonly source: string;
}

export const QPV_LIST_PERIODS: Readonly<Record<'2015' | '2024', Readonly<Record<QpvTerritory, QpvListPeriod>>>> = {
  '2015': {
    metropole: {
      validFrom: '2015-01-01',
      validTo: '2023-12-31',
      source: 'Décret n° 2014-1750 du 30 décembre 2014; remplacé par le décret n° 2023-1314 au 1er janvier 2024',
    },
    'outre-mer': {
      validFrom: '2015-01-01',
      validTo: '2024-12-31',
      source:
        'Décret n° 2014-1751 du 30 décembre 2014; liste prorogée en outre-mer jusqu’au 31 décembre 2024 (loi de finances pour 2024)',
    },
  },
  '2024': {
    metropole: { validFrom: '2024-01-01', validTo: null, source: 'Décret n° 2023-1314 du 28 décembre 2023' },
    'outre-mer': { validFrom: '2025-01-01', validTo: null, source: 'Liste ultramarine des QPV, en vigueur au 1er janvier 2025' },
  },
};

/** The territory of a département: the five overseas départements (971–976) changed list a year later. */
export function qpvTerritory(departement: string | undefined): QpvTerritory {
  return departement !== undefined && /^97[1-6]$/.test(departement) ? 'outre-mer' : 'metropole';
}

export function qpvListPeriod(list: '2015' | '2024', departement: string | undefined): QpvListPeriod {
  return QPV_LIST_PERIODS[list][qpvTerritory(departement)];
}
