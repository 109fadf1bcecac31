import { Contract } from '../../http/contract.js';
import { JsonBody } from '../../http/body.js';
import { Body, Controller, Param, Put, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { departementOfQpv, type ReferentialEntries, type ReferentialKind } from '@vigie/domain';
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
    const outcome = await this.commandBus.execute<RegisterReferentialEntry<K>, CommandOutcome>(
      new RegisterReferentialEntry(kind, id, entry, { metadata: writeMetadata(writer) }),
    );
    return { ...answerWrite(response, outcome), entry };
  }

  @Access({ roles: ['epci', 'admin'], tenancy: claimedEpci('siren') })
  @JsonBody()
  @Put('epcis/:siren')
  @Contract({
    summary:
      'Enregistrer un EPCI suivi par Vigie, ou une composition datée (validFrom, validTo) ; nom et communes par défaut : le référentiel officiel d’Etalab',
    answer: 'write',
    body: { schema: epciBodySchema, example: { name: 'Métropole Européenne de Lille' } },
    errors: ['COMMUNE_UNKNOWN', 'EPCI_VALIDITY_INVALID', 'EPCI_UNKNOWN', 'COMMUNE_IN_ANOTHER_EPCI'],
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
    summary: 'Enregistrer un QPV avec sa liste (2015 ou 2024) et sa période de validité',
    answer: 'write',
    body: { schema: qpvBodySchema, example: { name: 'Lille Sud', list: '2024', communes: ['59350'] } },
    errors: ['QPV_VALIDITY_INVALID'],
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
    summary: 'Enregistrer un réservataire (État, collectivité, Action Logement…)',
    answer: 'write',
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
