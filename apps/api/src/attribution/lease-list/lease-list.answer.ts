import { applyDecorators } from '@nestjs/common';
import { ApiProduces, ApiQuery } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { LEASE_FILTERS, type LeaseFilter, type LeaseLine, parisTimestamp, Q1_STATUS_FR } from '@vigie/domain';
import { type Freshness, readFreshness } from '@vigie/projections';
import type { DatabasePool } from '@vigie/postgres';
import { sendCsv, toCsv, wantsCsv } from '../../http/csv.js';
import { dayCell, sendXlsx, wantsXlsx, XLSX_MEDIA_TYPE, type XlsxCell } from '../../http/xlsx.js';
import { asOfOf, BitemporalQueries, bitemporalInput, bitemporalQuery, readPosition } from '../../http/bitemporal.js';
import { yearParam } from '../../http/params.js';
import { parseOrThrow } from '../../http/validation.js';

/** The query of a lease list: year, filter and the two times (strictly parsed). */
/** The OpenAPI description of a lease list's query (year, filter, asOf / signedUntil, format) and answers (JSON, CSV). */
export function LeaseListQueries(): MethodDecorator {
  return applyDecorators(
    ApiQuery({ name: 'year', required: true, example: 2026 }),
    ApiQuery({ name: 'filter', required: false, enum: LEASE_FILTERS }),
    BitemporalQueries(),
    ApiQuery({ name: 'format', required: false, enum: ['json', 'csv', 'xlsx'] }),
    ApiProduces('application/json', 'text/csv', XLSX_MEDIA_TYPE),
  );
}

export const leaseListQuery = { year: yearParam, filter: z.enum(LEASE_FILTERS).optional(), ...bitemporalQuery };

/** A list's query parsed with its owner's parameter, and the position it is read at (asOf, never beyond the projection). */
export async function readLeaseListQuery<Shape extends z.ZodRawShape>(
  pool: DatabasePool,
  owner: Shape,
  ownerInput: Record<string, unknown>,
  query: Record<string, string>,
) {
  const schema = z.object({ ...owner, ...leaseListQuery });
  const input = parseOrThrow(schema, {
    ...ownerInput,
    year: query.year,
    filter: query.filter || undefined,
    ...bitemporalInput(query),
  }) as z.output<z.ZodObject<Shape>> & {
    year: number;
    filter?: LeaseFilter;
    asOf?: string;
    signedUntil?: string;
  };
  const freshness = await readFreshness(pool, 'compliance');
  const at = await readPosition(pool, asOfOf(input.asOf), freshness.position);
  const options = {
    ...(input.signedUntil ? { signedUntil: input.signedUntil } : {}),
    ...(input.filter ? { filter: input.filter } : {}),
  };
  return { input, freshness, at, options };
}

/** Answers a lease list: JSON with where it stands (asOf, signedUntil, freshness), CSV or XLSX. */
export async function sendLeaseList(
  request: Request,
  response: Response,
  list: {
    readonly owner: Record<string, string>;
    readonly input: { year: number; filter?: LeaseFilter; signedUntil?: string };
    readonly at: Awaited<ReturnType<typeof readPosition>>;
    readonly freshness: Freshness;
    readonly leases: ReadonlyArray<LeaseLine & { readonly epciSiren?: string }>;
    readonly filename: string;
    readonly withEpci: boolean;
  },
): Promise<void> {
  const { input, at } = list;
  response.setHeader('X-Vigie-Position', String(at.position));
  if (wantsXlsx(request)) {
    const { headers, rows } = leaseListTable(list.leases, list.withEpci, dayCell);
    await sendXlsx(response, list.filename.replace(/\.csv$/, '.xlsx'), 'Baux', headers, rows);
    return;
  }
  if (wantsCsv(request)) {
    sendCsv(response, list.filename, leaseListCsv(list.leases, list.withEpci));
    return;
  }
  response.status(200).json({
    ...list.owner,
    year: input.year,
    filter: input.filter ?? null,
    asOf: { position: at.position, recordedAt: at.recordedAt ? parisTimestamp(at.recordedAt) : null, live: at.live },
    signedUntil: input.signedUntil ?? null,
    leases: list.leases,
    freshness: list.freshness,
  });
}

const yesNo = (value: boolean) => (value ? 'oui' : 'non');

/** A lease list as CSV (French headers): one line per lease, three columns per objective. */
export function leaseListCsv(leases: ReadonlyArray<LeaseLine & { readonly epciSiren?: string }>, withEpci = false): string {
  const { headers, rows } = leaseListTable(leases, withEpci, (day) => day);
  return toCsv(headers, rows);
}

/** The lease list's French headers and one row per lease; `day` writes the lease date (text for CSV, a date cell for XLSX). */
function leaseListTable<Day extends XlsxCell>(
  leases: ReadonlyArray<LeaseLine & { readonly epciSiren?: string }>,
  withEpci: boolean,
  day: (value: string) => Day,
) {
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
    day(lease.leaseDate),
    ...(withEpci ? [lease.epciSiren ?? ''] : []),
    lease.bailleurId,
    lease.reservataireId ?? 'Non réservé',
    lease.communeInsee,
    lease.qpvCode ?? '',
    Q1_STATUS_FR[lease.q1],
    yesNo(lease.withoutCalDecision),
    yesNo(lease.probableDuplicate),
    yesNo(lease.flatLeasedTwice),
    ...lease.objectives.flatMap((objective) => [yesNo(objective.inPopulation), yesNo(objective.qualifies), objective.reason]),
    lease.eventId,
    lease.position,
  ]);
  return { headers, rows };
}
