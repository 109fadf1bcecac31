import { Contract } from '../http/contract.js';
import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { JsonBody } from '../http/body.js';
import { ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { actorOf, ApiKeyStore, type Principal, type Role, ROLES, TENANT_PATTERN } from '@vigie/access';
import { notFound } from '../http/problem.js';
import { parseOrThrow } from '../http/validation.js';
import { Access, ALL_ROLES, CurrentPrincipal } from './access.decorators.js';
import { NO_TENANT } from './tenancies.js';
import { freeText } from '../http/free-text.js';
import { KnownOrganisationsService } from '../referential/known-organisations.service.js';

const TENANT_HINT: Record<string, string> = {
  bailleur: 'identifiant du bailleur',
  epci: 'SIREN de l’EPCI (9 chiffres)',
  reservataire: 'identifiant du réservataire',
  etat: 'code du département (ex. 59, 2A, 971)',
};

/** A role's organisation, as an API key or a person names it: none for admin, else the role's identifier. */
export function refineTenant(input: { role: Role; tenant: string | null }, context: z.RefinementCtx): void {
  if (input.role === 'admin') {
    if (input.tenant !== null)
      context.addIssue({ code: 'custom', path: ['tenant'], message: 'Un administrateur ne porte pas d’organisme.' });
    return;
  }
  if (input.tenant === null || !TENANT_PATTERN[input.role].test(input.tenant)) {
    context.addIssue({ code: 'custom', path: ['tenant'], message: `Organisme attendu : ${TENANT_HINT[input.role]}.` });
  }
}

/** Refuses an organisation Vigie does not know: no key or person acting for a typo, no facts under a phantom name. */
export async function assertKnownTenant(known: KnownOrganisationsService, role: Role, tenant: string | null): Promise<void> {
  if (role === 'bailleur' || role === 'reservataire' || role === 'epci') await known.assertRegistered(role, tenant!);
  if (role === 'etat') known.assertDepartement(tenant!);
}

const createKeySchema = z
  .object({
    role: z.enum(ROLES),
    tenant: z.string().nullable().default(null),
    label: freeText('Libellé de la clé', { max: 200, required: 'Libellé obligatoire (qui détient la clé).' }),
  })
  .strict()
  .superRefine(refineTenant);

/** Key management: admin only. The secret is shown once, at creation; only its hash is kept. */
@ApiTags('access')
@Controller('v1/admin/api-keys')
export class ApiKeysController {
  constructor(
    private readonly keys: ApiKeyStore,
    private readonly known: KnownOrganisationsService,
  ) {}

  @Access({ roles: ['admin'], tenancy: NO_TENANT })
  @JsonBody()
  @Post()
  @HttpCode(201)
  @Contract({
    summary: 'Créer une clé d’API pour un rôle et un organisme : la clé figure dans la réponse, et seulement là',
    answer: 'read',
    errors: ['BAILLEUR_NOT_REGISTERED', 'RESERVATAIRE_NOT_REGISTERED', 'EPCI_NOT_REGISTERED', 'DEPARTEMENT_UNKNOWN'],
    body: {
      schema: createKeySchema,
      example: { role: 'bailleur', tenant: 'lmh', label: 'SI de Lille Métropole Habitat' },
    },
  })
  async create(@Body() body: unknown, @CurrentPrincipal() principal: Principal) {
    const input = parseOrThrow(createKeySchema, body);
    await assertKnownTenant(this.known, input.role, input.tenant);
    const issued = await this.keys.create({ ...input, createdBy: actorOf(principal) });
    return { id: issued.id, key: issued.token, role: input.role, tenant: input.tenant, label: input.label };
  }

  @Access({ roles: ['admin'], tenancy: NO_TENANT })
  @Get()
  @Contract({
    summary: 'Toutes les clés : identifiant, rôle, organisme, libellé, création et révocation (jamais le secret)',
    answer: 'read',
  })
  list() {
    return this.keys.list();
  }

  @Access({ roles: ['admin'], tenancy: NO_TENANT })
  @Delete(':keyId')
  @Contract({
    summary: 'Révoquer une clé : refusée dès lors (aussitôt dans ce processus, sous 2 s dans les autres)',
    answer: 'read',
    errors: ['API_KEY_NOT_FOUND'],
  })
  async revoke(@Param('keyId') keyId: string, @CurrentPrincipal() principal: Principal) {
    const revoked = await this.keys.revoke(keyId, actorOf(principal));
    if (!revoked) throw notFound('API_KEY_NOT_FOUND');
    return revoked;
  }
}

/** Who a key is: its id, role and organisation (never the secret). */
@ApiTags('access')
@Controller('v1/me')
export class MeController {
  @Access({ roles: ALL_ROLES, tenancy: NO_TENANT })
  @Get()
  @Contract({
    summary: 'L’appelant tel que Vigie le voit : clé, rôle, organisme, et l’auteur inscrit dans ses événements',
    answer: 'read',
  })
  me(@CurrentPrincipal() principal: Principal) {
    return { keyId: principal.keyId, role: principal.role, tenant: principal.tenant, actor: actorOf(principal) };
  }
}
