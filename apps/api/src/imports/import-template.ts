import ExcelJS from 'exceljs';
import { toCsv } from '../http/csv.js';
import { IMPORT_COLUMNS } from './import-columns.js';
import type { RecordSignedLeaseBody } from '../attribution/record-signed-lease/record-signed-lease.schema.js';

/** A lease as a template row gives it: the body of POST /v1/leases, without its eventId nor a duplicate confirmation. */
export type TemplateLease = Omit<RecordSignedLeaseBody, 'eventId' | 'confirmeDoublon'>;

/** The template's columns, in order: every column of the import. */
export const TEMPLATE_COLUMNS = IMPORT_COLUMNS.map((column) => column.name);

const yesNo = (value: boolean) => (value ? 'oui' : 'non');

/** A lease's cells by column, as a bailleur writes them (amounts with a decimal comma). */
export function leaseCells(lease: TemplateLease): Record<string, string> {
  return {
    type: 'bail',
    reference_bail: lease.leaseId,
    reference_dossier: lease.caseId,
    bailleur: lease.bailleurId,
    date_bail: lease.leaseDate,
    rpls: lease.flat.rplsId,
    code_insee: lease.flat.communeInsee,
    siren_epci: lease.flat.epciSiren,
    code_qpv: lease.flat.qpvCode ?? '',
    typologie: lease.flat.typology,
    financement: lease.flat.financing,
    menage: lease.household.numeroUnique,
    numero_unique_confirme: yesNo(lease.household.numeroUniqueConfirme === true),
    personnes_14_ans_et_plus: String(lease.household.composition.personsAged14OrMore),
    enfants_moins_14_ans: String(lease.household.composition.childrenUnder14),
    revenus_annuels: lease.household.yearlyResources === null ? '' : String(lease.household.yearlyResources).replace('.', ','),
    dalo: yesNo(lease.flags.dalo),
    categorie_prioritaire: lease.flags.priorityCategory ?? 'non',
    reloge_ru: yesNo(lease.flags.relogeRenouvellementUrbain),
    reloge_copro: yesNo(lease.flags.relogeCoproDegradee),
    mutation_interne: yesNo(lease.flags.internalMutation),
    mobilite_inter_bailleurs: yesNo(lease.flags.interBailleurMobility),
    agent_public: yesNo(lease.flags.publicAgent),
    reservataire: lease.reservataireId ?? '',
    mode_gestion: lease.gestionMode,
    confirme_doublon: 'non',
  };
}

/** The example row of the downloadable template. */
export const TEMPLATE_EXAMPLE: TemplateLease = {
  leaseId: 'BAIL-2026-0001',
  caseId: 'D-2026-0001',
  bailleurId: 'lmh',
  leaseDate: '2026-03-02',
  flat: { rplsId: '5935000001', communeInsee: '59350', epciSiren: '200093201', qpvCode: null, typology: 'T3', financing: 'PLUS' },
  household: {
    numeroUnique: '059122700012345678',
    composition: { personsAged14OrMore: 1, childrenUnder14: 2 },
    yearlyResources: 9800.5,
  },
  flags: {
    dalo: true,
    priorityCategory: null,
    relogeRenouvellementUrbain: false,
    relogeCoproDegradee: false,
    internalMutation: false,
    interBailleurMobility: false,
    publicAgent: false,
  },
  reservataireId: 'action-logement',
  gestionMode: 'directe',
};

/** The CSV template: UTF-8 with BOM, `;`, every column, the given leases (the example by default). */
export function templateCsv(leases: readonly TemplateLease[] = [TEMPLATE_EXAMPLE]): string {
  return toCsv(
    TEMPLATE_COLUMNS,
    leases.map((lease) => {
      const cells = leaseCells(lease);
      return TEMPLATE_COLUMNS.map((column) => cells[column] ?? '');
    }),
  );
}

/** Columns a spreadsheet must keep as text (leading zeros, 18 digits). */
const TEXT_COLUMNS = new Set(['reference_bail', 'reference_dossier', 'rpls', 'code_insee', 'siren_epci', 'code_qpv', 'menage']);

/**
 * The XLSX template: sheet « Baux » (every column; identifiers formatted as text so that Excel
 * keeps their leading zeros and 18 digits; the lease date a real date cell; resources a number),
 * and sheet « Explications » (each column, the rows that need it, what it holds).
 */
export async function templateXlsx(leases: readonly TemplateLease[] = [TEMPLATE_EXAMPLE]): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('Baux');
  sheet.columns = TEMPLATE_COLUMNS.map((name) => ({
    header: name,
    key: name,
    width: Math.max(12, name.length + 2),
    style: TEXT_COLUMNS.has(name) ? { numFmt: '@' } : name === 'date_bail' ? { numFmt: 'dd/mm/yyyy' } : {},
  }));
  for (const lease of leases) {
    const cells: Record<string, unknown> = leaseCells(lease);
    cells.date_bail = new Date(`${lease.leaseDate}T00:00:00Z`);
    cells.revenus_annuels = lease.household.yearlyResources;
    cells.personnes_14_ans_et_plus = lease.household.composition.personsAged14OrMore;
    cells.enfants_moins_14_ans = lease.household.composition.childrenUnder14;
    sheet.addRow(cells);
  }
  const help = workbook.addWorksheet('Explications');
  help.columns = [
    { header: 'Colonne', key: 'name', width: 28 },
    { header: 'Obligatoire pour', key: 'required', width: 28 },
    { header: 'Contenu', key: 'description', width: 100 },
  ];
  for (const column of IMPORT_COLUMNS) {
    help.addRow({ name: column.name, required: column.requiredFor.join(', ') || 'facultative', description: column.description });
  }
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
