import { applyDecorators } from '@nestjs/common';
import { ApiProduces, ApiQuery } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { LEASE_FILTERS, type LeaseFilter, type LeaseLine, parisTimestamp, Q1_STATUS_FR } from '@vigie/domain';
import { type Freshness, readFreshness } from '@vigie/projections';
import type { DatabasePool } from '@vigie/postgres';
import { dayCell, XLSX_MEDIA_TYPE } from '../../http/xlsx.js';
import { sendTable, wantsTable } from '../../http/table.js';
import type { DisplayNames } from '../../referential/display-names.js';
import { asOfOf, BitemporalQueries, bitemporalInput, bitemporalQuery, readPosition } from '../../http/bitemporal.js';
import { yearParam } from '../../http/params.js';
import { parseOrThrow } from '../../http/validation.js';
import { assertKnownOrganisation, type ReadOrganisation } from '../../http/known-organisation.js';
import type { KnownOrganisationsService } from '../../referential/known-organisations.service.js';

/** The query of a lease list: year, filter and the two times (strictly parsed). */
/** The OpenAPI description of a lease list's query (year, filter, asOf / signedUntil, format) and answers (JSON, CSV). */
export function LeaseListQueries(): MethodDecorator {
  return applyDecorators(
    ApiQuery({ name: 'year', required: true, example: 2026 }),
    ApiQuery({ name: 'filter', required: false, enum: LEASE_FILTERS }),
    BitemporalQueries(),
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
  organisation: { readonly known: KnownOrganisationsService; readonly kind: ReadOrganisation; readonly key: keyof Shape },
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
  // An organisation Vigie does not know: 404, not an empty list.
  await assertKnownOrganisation(
    organisation.known,
    organisation.kind,
    String((input as Record<keyof Shape, unknown>)[organisation.key]),
  );
  const freshness = await readFreshness(pool, 'compliance');
  const at = await readPosition(pool, asOfOf(input.asOf), freshness.position);
  const options = {
    ...(input.signedUntil ? { signedUntil: input.signedUntil } : {}),
    ...(input.filter ? { filter: input.filter } : {}),
  };
  return { input, freshness, at, options };
}

/** Answers a lease list: JSON with where it stands (asOf, signedUntil, freshness), CSV or XLSX (names beside ids). */
export async function sendLeaseList(
  request: FastifyRequest,
  response: FastifyReply,
  list: {
    readonly owner: Record<string, string>;
    readonly input: { year: number; filter?: LeaseFilter; signedUntil?: string };
    readonly at: Awaited<ReturnType<typeof readPosition>>;
    readonly freshness: Freshness;
    readonly leases: ReadonlyArray<LeaseLine & { readonly epciSiren?: string }>;
    /** Without extension: `.csv` or `.xlsx` is added. */
    readonly filename: string;
    readonly withEpci: boolean;
    /** The names shown beside the ids, read only for an export. */
    readonly names: () => Promise<DisplayNames>;
  },
): Promise<void> {
  const { input, at } = list;
  response.header('X-Vigie-Position', String(at.position));
  if (wantsTable(request)) {
    const table = leaseListTable(list.leases, list.withEpci, await list.names());
    await sendTable(request, response, { filename: list.filename, sheet: 'Baux', ...table });
    return;
  }
  response.code(200).send({
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

/**
 * The lease list's French headers and one row per lease (three columns per objective): each
 * organisation and the commune by name, their identifiers in their own columns beside (auditors
 * match them), the lease date a date cell.
 */
function leaseListTable(
  leases: ReadonlyArray<LeaseLine & { readonly epciSiren?: string }>,
  withEpci: boolean,
  names: DisplayNames,
) {
  const objectives = leases[0]?.objectives.map((objective) => objective.id) ?? ['HQ1', 'QNQ1', 'PRIO', 'ANRU'];
  const headers = [
    'Bail',
    'Date du bail',
    ...(withEpci ? ['EPCI', 'SIREN de l’EPCI'] : []),
    'Bailleur',
    'Identifiant du bailleur',
    'Réservataire',
    'Identifiant du réservataire',
    'Commune',
    'Code INSEE de la commune',
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
    dayCell(lease.leaseDate),
    ...(withEpci ? [lease.epciSiren ? names.epci(lease.epciSiren) : null, lease.epciSiren ?? ''] : []),
    names.bailleur(lease.bailleurId),
    lease.bailleurId,
    names.reservataire(lease.reservataireId),
    lease.reservataireId ?? '',
    names.commune(lease.communeInsee),
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
