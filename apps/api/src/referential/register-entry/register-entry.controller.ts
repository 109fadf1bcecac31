import { Contract } from '../../http/contract.js';
import { JsonBody } from '../../http/body.js';
import { Body, Controller, Param, Put, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { addDays, departementOfQpv, isDomainError, type ReferentialEntries, type ReferentialKind } from '@vigie/domain';
import type { CommandOutcome } from '@vigie/event-store';
import { OFFICIAL_REFERENTIAL, qpvListPeriod, TerritorialReferential } from '@vigie/referential';
import { Access } from '../../access/access.decorators.js';
import { CLAIMED_QPV, NO_TENANT, claimedEpci } from '../../access/tenancies.js';
import { organisationId, siren } from '../../http/identifiers.js';
import { problemOf } from '../../http/problem.js';
import { parseOrThrow } from '../../http/validation.js';
import { answerWrite, type WriteAnswer, Writer, writeMetadata } from '../../http/write.js';
import {
  bailleurBodySchema,
  epciBodySchema,
  qpvBodySchema,
  qpvCodeParam,
  reservataireBodySchema,
} from '../referential.schemas.js';
import { RegisterReferentialEntry } from './register-entry.handler.js';

/**
 * The referential, registered as events. PUT is idempotent: the same attributes record
 * nothing (`recorded: false`, 200), other attributes record an update.
 */
@ApiTags('referential')
@Controller('v1')
export class RegisterEntryController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly territorial: TerritorialReferential,
  ) {}

  private async register<K extends ReferentialKind>(
    kind: K,
    id: string,
    entry: ReferentialEntries[K],
    writer: Writer,
    response: FastifyReply,
  ): Promise<WriteAnswer & { entry: ReferentialEntries[K] }> {
    try {
      const outcome = await this.commandBus.execute<RegisterReferentialEntry<K>, CommandOutcome>(
        new RegisterReferentialEntry(kind, id, entry, { metadata: writeMetadata(writer) }),
      );
      return { ...answerWrite(response, outcome), entry };
    } catch (error) {
      if (isDomainError(error) && error.code === 'REFERENTIAL_CHANGE_CONTRADICTS_LEASES') {
        throw contradictionProblem(error.details as unknown as Contradiction);
      }
      throw error;
    }
  }

  @Access({ roles: ['epci', 'admin'], tenancy: claimedEpci('siren') })
  @JsonBody()
  @Put('epcis/:siren')
  @Contract({
    summary:
      'Enregistrer un EPCI suivi par Vigie, ou une composition datée (validFrom, validTo) ; nom et communes par défaut : le référentiel officiel d’Etalab',
    answer: 'write',
    body: { schema: epciBodySchema, example: { name: 'Métropole Européenne de Lille' } },
    errors: [
      'COMMUNE_UNKNOWN',
      'EPCI_VALIDITY_INVALID',
      'EPCI_UNKNOWN',
      'COMMUNE_IN_ANOTHER_EPCI',
      'REFERENTIAL_CHANGE_CONTRADICTS_LEASES',
    ],
  })
  async putEpci(
    @Param('siren') sirenParam: string,
    @Body() body: unknown,
    @Writer() writer: Writer,
    @Res({ passthrough: true }) response: FastifyReply,
  ) {
    const valid = parseOrThrow(siren('SIREN de l’EPCI'), sirenParam, 'siren');
    const input = parseOrThrow(epciBodySchema, body ?? {});
    const unknown = (input.communes ?? []).filter((code) => this.territorial.commune(code)?.kind !== 'commune-actuelle');
    if (unknown.length) {
      throw problemOf('COMMUNE_UNKNOWN', {
        detail: 'Une composition d’EPCI liste des communes, pas des arrondissements ni des codes inconnus.',
        communes: unknown,
      });
    }
    const official = this.territorial.epci(valid);
    if (!official && !(input.name && input.communes)) {
      throw problemOf('EPCI_UNKNOWN', { siren: valid });
    }
    const entry = {
      siren: valid,
      name: input.name ?? official!.name,
      communes: [...(input.communes ?? official!.communes)].sort(),
      // In force from validFrom (default: the first day the shipped official referential describes) until the next version.
      validFrom: input.validFrom ?? OFFICIAL_REFERENTIAL.describesFrom,
      ...(input.validTo !== undefined ? { validTo: input.validTo } : {}),
    };
    return this.register('epci', valid, entry, writer, response);
  }

  @Access({ roles: ['etat', 'admin'], tenancy: CLAIMED_QPV })
  @JsonBody()
  @Put('qpvs/:code')
  @Contract({
    summary:
      'Enregistrer un QPV avec sa liste (2015 ou 2024) et sa période de validité ; une nouvelle version (autres communes, autre nom) prend effet à partir de son validFrom, les baux d’avant restent comptés sous la version en vigueur à leur date',
    answer: 'write',
    body: { schema: qpvBodySchema, example: { name: 'Lille Sud', list: '2024', communes: ['59350'] } },
    errors: ['QPV_VALIDITY_INVALID', 'REFERENTIAL_CHANGE_CONTRADICTS_LEASES'],
  })
  async putQpv(
    @Param('code') code: string,
    @Body() body: unknown,
    @Writer() writer: Writer,
    @Res({ passthrough: true }) response: FastifyReply,
  ) {
    const valid = parseOrThrow(qpvCodeParam, code, 'code');
    const input = parseOrThrow(qpvBodySchema, body);
    // Without dates, the period of its list in its territory (one year later overseas).
    const defaults = qpvListPeriod(input.list, departementOfQpv(valid));
    const entry = {
      code: valid,
      name: input.name,
      list: input.list,
      communes: [...input.communes].sort(),
      validFrom: input.validFrom ?? defaults.validFrom,
      validTo: input.validTo === undefined ? defaults.validTo : input.validTo,
    };
    return this.register('qpv', valid, entry, writer, response);
  }

  @Access({ roles: ['admin'], tenancy: NO_TENANT })
  @JsonBody()
  @Put('bailleurs/:id')
  @Contract({
    summary: 'Enregistrer un bailleur (organisme HLM)',
    answer: 'write',
    body: { schema: bailleurBodySchema, example: { name: 'Lille Métropole Habitat', siren: null } },
  })
  async putBailleur(
    @Param('id') id: string,
    @Body() body: unknown,
    @Writer() writer: Writer,
    @Res({ passthrough: true }) response: FastifyReply,
  ) {
    const valid = parseOrThrow(organisationId('Identifiant du bailleur'), id, 'id');
    return this.register('bailleur', valid, { id: valid, ...parseOrThrow(bailleurBodySchema, body) }, writer, response);
  }

  @Access({ roles: ['admin'], tenancy: NO_TENANT })
  @JsonBody()
  @Put('reservataires/:id')
  @Contract({
    summary:
      'Enregistrer un réservataire (État, collectivité, Action Logement…) ; son type ne change plus une fois des baux comptés pour lui',
    answer: 'write',
    errors: ['REFERENTIAL_CHANGE_CONTRADICTS_LEASES'],
    body: { schema: reservataireBodySchema, example: { name: 'Action Logement Services', kind: 'action_logement' } },
  })
  async putReservataire(
    @Param('id') id: string,
    @Body() body: unknown,
    @Writer() writer: Writer,
    @Res({ passthrough: true }) response: FastifyReply,
  ) {
    const valid = parseOrThrow(organisationId('Identifiant du réservataire'), id, 'id');
    return this.register('reservataire', valid, { id: valid, ...parseOrThrow(reservataireBodySchema, body) }, writer, response);
  }
}

/** The details of REFERENTIAL_CHANGE_CONTRADICTS_LEASES (referentialDecider). */
interface Contradiction {
  readonly kind: ReferentialKind;
  readonly id: string;
  readonly field: 'validFrom' | 'kind';
  readonly validFrom: string | null;
  readonly currentKind?: string;
  readonly conventionCount?: number;
  readonly conventions?: readonly string[];
  readonly leaseCount: number;
  readonly firstLeaseDate: string | null;
  readonly lastLeaseDate: string | null;
  readonly leases: ReadonlyArray<{ leaseId: string; bailleurId: string; leaseDate: string; communeInsee: string }>;
}

const ENTRY_NAMES: Partial<Record<ReferentialKind, string>> = { qpv: 'du QPV', epci: 'de l’EPCI' };

/**
 * The 422 of a referential change that would contradict recorded leases, in French: the field,
 * what the change would do to which leases, and the two ways out (a later validFrom, or the
 * leases corrected first; for a réservataire's kind, a new réservataire).
 */
function contradictionProblem(details: Contradiction) {
  const count = `${details.leaseCount} ${details.leaseCount > 1 ? 'baux' : 'bail'}`;
  const example = details.leases[0];
  const span =
    details.firstLeaseDate === details.lastLeaseDate
      ? `du ${details.firstLeaseDate}`
      : `du ${details.firstLeaseDate} au ${details.lastLeaseDate}`;
  const conventions = details.conventionCount ?? 0;
  const counted = [
    ...(details.leaseCount
      ? [
          `${count} ${span} ${details.leaseCount > 1 ? 'sont comptés' : 'est compté'} pour ce réservataire (par ex. ${example?.leaseId} de ${example?.bailleurId})`,
        ]
      : []),
    ...(conventions
      ? [
          `${conventions} convention${conventions > 1 ? 's' : ''} de réservation (${details.conventions?.join(', ')}) ${conventions > 1 ? 'sont signées' : 'est signée'} avec lui`,
        ]
      : []),
  ].join(' et ');
  const message =
    `${details.field} : ` +
    (details.field === 'kind'
      ? `${counted} : ` +
        'son type décide de ses objectifs (l’État n’a pas d’objectif PRIO, son flux est le contingent préfectoral), le changer modifierait les chiffres des années déjà comptées. ' +
        `Gardez le type « ${details.currentKind} » ; s’il s’agit d’un autre organisme, enregistrez-le sous un nouvel identifiant (PUT /v1/reservataires/{id}).`
      : `${count} ${span} (par ex. ${example?.leaseId} de ${example?.bailleurId}, commune ${example?.communeInsee}) ` +
        `${details.leaseCount > 1 ? 'ont été comptés' : 'a été compté'} sous la version ${ENTRY_NAMES[details.kind] ?? ''} ${details.id} en vigueur à leur date ; ` +
        `la version enregistrée ${details.validFrom ? `à partir du ${details.validFrom}` : 'depuis toujours'} ne couvrirait plus leur commune à leur date : ` +
        'le référentiel contredirait des baux déjà comptés. ' +
        `Donnez un validFrom postérieur au dernier de ces baux (${addDays(details.lastLeaseDate!, 1)} ou après), ` +
        'ou corrigez d’abord ces baux (POST /v1/leases/{leaseId}/corrections) ou annulez-les (POST /v1/leases/{leaseId}/cancellation).');
  return problemOf('REFERENTIAL_CHANGE_CONTRADICTS_LEASES', {
    detail: message,
    details: details as unknown as Record<string, unknown>,
    errors: [{ path: details.field, code: 'REFERENTIAL_CHANGE_CONTRADICTS_LEASES', message }],
  });
}
