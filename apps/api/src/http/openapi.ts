import type { Type } from '@nestjs/common';
import { z } from 'zod';
import { routeRules, type RouteRule } from '../access/route-rules.js';
import { ERROR_TABLE, type ErrorCode } from './error-table.js';

/** The parts of an OpenAPI operation Vigie writes. */
export interface OpenApiOperation {
  summary?: string;
  description?: string;
  security?: unknown[];
  requestBody?: { required: boolean; content: Record<string, { schema: unknown; example?: unknown }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: unknown; example?: unknown }> }>;
  'x-vigie-roles'?: readonly string[];
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
}

/** The answer of every write (see `answerWrite`). */
const WRITE_ANSWER = {
  type: 'object',
  required: ['eventId', 'eventType', 'streamId', 'streamVersion', 'position', 'alreadyRecorded', 'recorded'],
  properties: {
    eventId: { type: 'string', format: 'uuid', nullable: true },
    eventType: { type: 'string', nullable: true },
    streamId: { type: 'string' },
    streamVersion: { type: 'integer' },
    position: { type: 'integer', nullable: true },
    alreadyRecorded: { type: 'boolean' },
    recorded: { type: 'boolean' },
  },
};

const problemSchema = (codes: readonly ErrorCode[]) => ({
  type: 'object',
  required: ['type', 'status', 'code', 'title'],
  properties: {
    type: { type: 'string' },
    status: { type: 'integer' },
    code: { type: 'string', enum: codes },
    title: { type: 'string' },
    detail: { type: 'string' },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        required: ['path', 'code', 'message'],
        properties: { path: { type: 'string' }, code: { type: 'string' }, message: { type: 'string' } },
      },
    },
  },
});

/**
 * The error codes a route may answer: those its access rule implies (401, 403, the 404 of an
 * existing resource), its body and parameters (400, 413, 415), a write's (409 EVENT_ID_CONFLICT),
 * the database being unavailable or a request past its deadline (503), and the business errors its contract declares.
 */
export function routeErrors(route: RouteRule): ErrorCode[] {
  const codes = new Set<ErrorCode>(route.contract?.errors ?? []);
  if (route.rule !== 'public') {
    codes.add('UNAUTHENTICATED');
    codes.add('ROLE_FORBIDDEN');
    if (route.rule?.tenancy.kind === 'claimed') codes.add('TENANT_FORBIDDEN');
    if (route.rule?.tenancy.kind === 'existing') codes.add(route.rule.tenancy.notFound);
  }
  if (route.body)
    ['VALIDATION_FAILED', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE'].forEach((code) => codes.add(code as ErrorCode));
  if (route.body?.kind === 'json') codes.add('MALFORMED_JSON');
  if (route.path.includes(':') || route.method === 'GET') codes.add('VALIDATION_FAILED');
  if (route.contract?.answer === 'write') codes.add('EVENT_ID_CONFLICT');
  codes.add('DATABASE_UNAVAILABLE');
  if (route.contract?.answer !== 'stream') codes.add('SERVER_BUSY');
  if (route.contract?.answer !== 'stream') codes.add('REQUEST_DEADLINE_EXCEEDED');
  if (route.body) codes.add('VALUE_NOT_STORABLE');
  return [...codes];
}

const jsonSchemaOf = (schema: z.ZodType) =>
  z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'openapi-3.0' });

/**
 * Writes each route's contract into the OpenAPI document: its French summary, its body's schema
 * (from the zod schema that validates it) and example, what a success answers, and every error
 * code it may answer, grouped by status, each with its French title.
 */
export function documentContracts(document: OpenApiDocument, controllers: readonly Type[]): void {
  for (const route of routeRules(controllers)) {
    const operation = document.paths[route.path.replace(/:([A-Za-z]+)/g, '{$1}')]?.[route.method.toLowerCase()];
    const { contract } = route;
    if (!operation || !contract) continue;
    operation.summary = contract.summary;
    if (contract.body) {
      const types = route.body?.types ?? ['application/json'];
      operation.requestBody = {
        required: true,
        content: Object.fromEntries(
          types.map((type) => [type, { schema: jsonSchemaOf(contract.body!.schema), example: contract.body!.example }]),
        ),
      };
    }
    const responses: OpenApiOperation['responses'] = {};
    if (contract.answer === 'write') {
      responses['201'] = {
        description: 'Fait enregistré (en-tête Location : /v1/events/{eventId}).',
        content: { 'application/json': { schema: WRITE_ANSWER } },
      };
      responses['200'] = {
        description: 'Déjà enregistré à l’identique (nouvel envoi), ou rien à changer : rien n’a été écrit.',
        content: { 'application/json': { schema: WRITE_ANSWER } },
      };
    } else if (contract.answer === 'accepted') {
      responses['202'] = { description: 'Accepté : le travail se poursuit en arrière-plan (en-tête Location pour le suivre).' };
    } else if (contract.answer === 'stream') {
      responses['200'] = { description: 'Flux d’événements serveur (text/event-stream).' };
    } else {
      responses['200'] = {
        description: contract.csv
          ? 'Réponse JSON, ou CSV (séparateur ;, UTF-8 avec BOM, dates JJ/MM/AAAA) avec ?format=csv, ou classeur XLSX avec ?format=xlsx.'
          : 'Réponse JSON.',
      };
    }
    const byStatus = new Map<number, ErrorCode[]>();
    for (const code of routeErrors(route)) {
      const [status] = ERROR_TABLE[code];
      byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
    }
    for (const [status, codes] of [...byStatus].sort(([a], [b]) => a - b)) {
      responses[String(status)] = {
        description: codes.map((code) => `${code} : ${ERROR_TABLE[code][1]}`).join(' — '),
        content: {
          'application/problem+json': {
            schema: problemSchema(codes),
            example: {
              type: `https://vigie.fr/problems/${codes[0]!.toLowerCase().replace(/_/g, '-')}`,
              status,
              code: codes[0],
              title: ERROR_TABLE[codes[0]!][1],
            },
          },
        },
      };
    }
    operation.responses = responses;
  }
}
