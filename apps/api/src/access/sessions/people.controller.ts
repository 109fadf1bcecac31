import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Req } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { actorOf, EmailTakenError, PeopleStore, type Principal, ROLES } from '@vigie/access';
import type { VigieConfig } from '@vigie/config';
import { JsonBody } from '../../http/body.js';
import { Contract } from '../../http/contract.js';
import { freeText } from '../../http/free-text.js';
import { notFound, problemOf } from '../../http/problem.js';
import { parseOrThrow } from '../../http/validation.js';
import { VIGIE_CONFIG } from '../../platform/platform.module.js';
import { Access, CurrentPrincipal } from '../access.decorators.js';
import { assertKnownTenant, refineTenant } from '../api-keys.controller.js';
import { NO_TENANT } from '../tenancies.js';
import { KnownOrganisationsService } from '../../referential/known-organisations.service.js';

/** How long an invitation link stays usable (7 days). */
export const INVITATION_VALID_MS = 7 * 24 * 3_600_000;

const inviteSchema = z
  .object({
    name: freeText('Nom de la personne', { max: 200, required: 'Nom obligatoire (qui est invité).' }),
    email: z
      .email('Adresse électronique attendue (ex. prenom.nom@lillemetropole.fr) : elle relie le compte à ProConnect.')
      .nullable(),
    role: z.enum(ROLES),
    tenant: z.string().nullable().default(null),
  })
  .strict()
  .superRefine(refineTenant);

const base = (request: FastifyRequest, config: VigieConfig) => config.VIGIE_PUBLIC_URL ?? `${request.protocol}://${request.host}`;

/** People who sign in to the web application: admin only. Invitation links are shown once. */
@ApiTags('access')
@Controller('v1/admin/people')
export class PeopleController {
  constructor(
    private readonly people: PeopleStore,
    private readonly known: KnownOrganisationsService,
    @Inject(VIGIE_CONFIG) private readonly config: VigieConfig,
  ) {}

  @Access({ roles: ['admin'], tenancy: NO_TENANT })
  @JsonBody()
  @Post()
  @HttpCode(201)
  @Contract({
    summary:
      'Inviter une personne avec un rôle et un organisme : la réponse porte son lien de connexion à usage unique (valable 7 jours), et seulement elle',
    answer: 'read',
    errors: [
      'BAILLEUR_NOT_REGISTERED',
      'RESERVATAIRE_NOT_REGISTERED',
      'EPCI_NOT_REGISTERED',
      'DEPARTEMENT_UNKNOWN',
      'PERSON_EMAIL_TAKEN',
    ],
    body: {
      schema: inviteSchema,
      example: { name: 'Camille Martin', email: 'camille.martin@lillemetropole.fr', role: 'epci', tenant: '200093201' },
    },
  })
  async invite(@Body() body: unknown, @CurrentPrincipal() principal: Principal, @Req() request: FastifyRequest) {
    const input = parseOrThrow(inviteSchema, body);
    await assertKnownTenant(this.known, input.role, input.tenant);
    // One person per address: inviting it again is told which person holds it, to send her a new link instead.
    const person = await this.people.create({ ...input, createdBy: actorOf(principal) }).catch((error: unknown) => {
      if (!(error instanceof EmailTakenError)) throw error;
      throw problemOf('PERSON_EMAIL_TAKEN', {
        details: { personId: error.personId, newLink: `POST /v1/admin/people/${error.personId}/links` },
      });
    });
    const token = await this.people.issueLink(person.id, INVITATION_VALID_MS, actorOf(principal));
    return { ...person, signInLink: `${base(request, this.config)}/connexion/lien/${token}` };
  }

  @Access({ roles: ['admin'], tenancy: NO_TENANT })
  @Get()
  @Contract({ summary: 'Les personnes : rôle, organisme, adresse, liaison OpenID Connect, désactivation', answer: 'read' })
  list() {
    return this.people.list();
  }

  @Access({ roles: ['admin'], tenancy: NO_TENANT })
  @Post(':personId/links')
  @HttpCode(201)
  @Contract({
    summary: 'Un nouveau lien de connexion à usage unique pour une personne (7 jours)',
    answer: 'read',
    errors: ['PERSON_NOT_FOUND'],
  })
  async link(@Param('personId') personId: string, @CurrentPrincipal() principal: Principal, @Req() request: FastifyRequest) {
    const person = await this.people.active(personId);
    if (!person) throw notFound('PERSON_NOT_FOUND');
    const token = await this.people.issueLink(person.id, INVITATION_VALID_MS, actorOf(principal));
    return { ...person, signInLink: `${base(request, this.config)}/connexion/lien/${token}` };
  }

  @Access({ roles: ['admin'], tenancy: NO_TENANT })
  @Delete(':personId')
  @Contract({
    summary: 'Désactiver une personne : ses sessions cessent à leur prochaine requête',
    answer: 'read',
    errors: ['PERSON_NOT_FOUND'],
  })
  async disable(@Param('personId') personId: string, @CurrentPrincipal() principal: Principal) {
    const person = await this.people.disable(personId, actorOf(principal));
    if (!person) throw notFound('PERSON_NOT_FOUND');
    return person;
  }
}
