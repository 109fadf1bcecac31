import { TerritorialReferential } from '@vigie/referential';

/** The columns of the benchmarks' lease files, as a bailleur's export names them. */
export const LEASE_HEADER =
  'type;reference_bail;reference_dossier;bailleur;date_bail;rpls;code_insee;siren_epci;code_qpv;typologie;financement;menage;personnes_14_ans_et_plus;enfants_moins_14_ans;revenus_annuels;dalo;categorie_prioritaire;reloge_ru;reloge_copro;mutation_interne;mobilite_inter_bailleurs;agent_public;reservataire;mode_gestion';

const MEL_COMMUNES = new TerritorialReferential().epci('200093201')!.communes;

/**
 * Lease `i` of a benchmark file, one CSV line (`;`), references and household prefixed by `prefix`
 * (files of different prefixes hold different leases, none a probable duplicate of another's); `planted`:
 * every tenth row from the 3rd, 5th and 7th has an error (commune outside the EPCI, a date that
 * does not exist, no household).
 */
export function leaseLine(i: number, { prefix = '', planted = false } = {}): string {
  const commune = planted && i % 10 === 3 ? '62041' : MEL_COMMUNES[i % MEL_COMMUNES.length]!;
  const date =
    planted && i % 10 === 5
      ? '2026-02-30'
      : `2026-${String(1 + (i % 10)).padStart(2, '0')}-${String(1 + (i % 28)).padStart(2, '0')}`;
  const household = planted && i % 10 === 7 ? '' : `hh-bench-${prefix}${i}`;
  return [
    'bail',
    `B-${prefix}${i}`,
    `D-${prefix}${i}`,
    ['lmh', 'vilogia', 'partenord'][i % 3],
    date,
    `59${String(i).padStart(9, '0')}`,
    commune,
    '200093201',
    '',
    ['T1', 'T2', 'T3', 'T4'][i % 4],
    'PLUS',
    household,
    String(1 + (i % 3)),
    String(i % 3),
    i % 17 === 0 ? '' : String(6_000 + (i % 30_000)),
    i % 5 === 0 ? 'oui' : 'non',
    // Accented text, as Excel's Windows-1252 export writes it.
    i % 7 === 0 ? 'Sortant d’hébergement' : '',
    'non',
    'non',
    i % 23 === 0 ? 'oui' : 'non',
    'non',
    'non',
    ['', 'action-logement', 'mel'][i % 3],
    'directe',
  ].join(';');
}
