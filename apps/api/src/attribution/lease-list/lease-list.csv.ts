import type { LeaseLine } from '@vigie/domain';
import { toCsv } from '../../http/csv.js';

const yesNo = (value: boolean) => (value ? 'oui' : 'non');

/** A lease list as CSV (French headers): one line per lease, three columns per objective. */
export function leaseListCsv(leases: ReadonlyArray<LeaseLine & { readonly epciSiren?: string }>, withEpci = false): string {
  const objectives = leases[0]?.objectives.map((objective) => objective.id) ?? ['HQ1', 'QNQ1', 'PRIO', 'ANRU'];
  const headers = [
    'Bail',
    'Date du bail',
    ...(withEpci ? ['EPCI'] : []),
    'Bailleur',
    'Réservataire',
    'Commune',
    'QPV',
    'Q1',
    'Sans décision CAL',
    'Doublon probable',
    'Logement loué deux fois en 30 jours',
    ...objectives.flatMap((id) => [`${id} : population`, `${id} : compte`, `${id} : motif`]),
    'Événement',
    'Position',
  ];
  const rows = leases.map((lease) => [
    lease.leaseId,
    lease.leaseDate,
    ...(withEpci ? [lease.epciSiren ?? ''] : []),
    lease.bailleurId,
    lease.reservataireId ?? 'Non réservé',
    lease.communeInsee,
    lease.qpvCode ?? '',
    lease.q1,
    yesNo(lease.withoutCalDecision),
    yesNo(lease.probableDuplicate),
    yesNo(lease.flatLeasedTwice),
    ...lease.objectives.flatMap((objective) => [yesNo(objective.inPopulation), yesNo(objective.qualifies), objective.reason]),
    lease.eventId,
    lease.position,
  ]);
  return toCsv(headers, rows);
}
