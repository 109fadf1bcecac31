import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { actorOf, type Principal, ROLES, TENANT_PATTERN } from '@vigie/access';
import { notFound } from '../http/problem.js';
import { parseOrThrow } from '../http/validation.js';
import { RUNTIME, type Runtime } from '../runtime/runtime.js';
import { Access, ALL_ROLES, CurrentPrincipal } from './access.decorators.js';
import { NO_TENANT } from './tenancies.js';
import { KnownOrganisationsService } from '../referential/known-organisations.service.js';

const TENANT_HINT: Record<string, string> = {
  bailleur: 'identifiant du bailleur',
  epci: 'SIREN de l’EPCI (9 chiffres)',
  reservataire: 'identifiant du réservataire',
  etat: 'code du département (ex. 59, 2A, 971)',
};

const createKeySchema = z
  .object({
    role: z.enum(ROLES),
    tenant: z.string().nullable().default(null),
    label: z.string().min(1, 'Libellé obligatoire (qui détient la clé).').max(200),
  })
  .strict()
  .superRefine((input, context) => {
    if (input.role === 'admin') {
      if (input.tenant !== null)
        context.addIssue({ code: 'custom', path: ['tenant'], message: 'Une clé admin ne porte pas d’organisme.' });
      return;
    }
    if (input.tenant === null || !TENANT_PATTERN[input.role].test(input.tenant)) {
      context.addIssue({ code: 'custom', path: ['tenant'], message: `Organisme attendu : ${TENANT_HINT[input.role]}.` });
    }
  });

/** Key management: admin only. The secret is shown once, at creation; only its hash is kept. */
@ApiTags('access')
@Controller('v1/admin/api-keys')
export class ApiKeysController {
  constructor(
    @Inject(RUNTIME) private readonly runtime: Runtime,
    private readonly known: KnownOrganisationsService,
  ) {}

  @Access({ roles: ['admin'], tenancy: NO_TENANT })
  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Create an API key for a role and an organisation; the key is in the answer, and only there' })
  async create(@Body() body: unknown, @CurrentPrincipal() principal: Principal) {
    const input = parseOrThrow(createKeySchema, body);
    // A key acts for a registered organisation only: no key for a typo, no facts under a phantom name.
    if (input.role === 'bailleur' || input.role === 'reservataire' || input.role === 'epci') {
      await this.known.assertRegistered(input.role, input.tenant!);
    }
    if (input.role === 'etat') this.known.assertDepartement(input.tenant!);
    const issued = await this.runtime.keys.create({ ...input, createdBy: actorOf(principal) });
    return { id: issued.id, key: issued.token, role: input.role, tenant: input.tenant, label: input.label };
  }

  @Access({ roles: ['admin'], tenancy: NO_TENANT })
  @Get()
  @ApiOperation({ summary: 'Every key: id, role, organisation, label, created / revoked (never the secret)' })
  list() {
    return this.runtime.keys.list();
  }

  @Access({ roles: ['admin'], tenancy: NO_TENANT })
  @Delete(':keyId')
  @ApiOperation({ summary: 'Revoke a key: refused from then on (at once in this process, within 2 s in others)' })
  async revoke(@Param('keyId') keyId: string, @CurrentPrincipal() principal: Principal) {
    const revoked = await this.runtime.keys.revoke(keyId, actorOf(principal));
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
  @ApiOperation({ summary: 'The caller as Vigie sees it: key id, role, organisation, and the actor written in its events' })
  me(@CurrentPrincipal() principal: Principal) {
    return { keyId: principal.keyId, role: principal.role, tenant: principal.tenant, actor: actorOf(principal) };
  }
}
