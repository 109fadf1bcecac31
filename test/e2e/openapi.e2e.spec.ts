import { z } from 'zod';
import { CONTROLLERS } from '../../apps/api/src/app.module.js';
import { routeRules } from '../../apps/api/src/access/route-rules.js';
import { ERROR_TABLE } from '../../apps/api/src/http/error-table.js';
import { type OpenApiDocument, routeErrors } from '../../apps/api/src/http/openapi.js';
import { startTestApp, type TestApp } from '../support/app.js';

/**
 * The OpenAPI document is generated from each route's contract: the zod schema that validates
 * its body (with a valid example), its answer, and every error code it may answer. A new route
 * without a contract, or an example its own schema refuses, fails here.
 */
describe('OpenAPI contract, generated from the schemas that validate', () => {
  let app: TestApp;
  let document: OpenApiDocument;
  const routes = routeRules([...CONTROLLERS]);
  const operationOf = (route: (typeof routes)[number]) =>
    document.paths[route.path.replace(/:([A-Za-z]+)/g, '{$1}')]?.[route.method.toLowerCase()];

  beforeAll(async () => {
    app = await startTestApp();
    document = (await (await fetch(`${app.url}/docs/openapi.json`)).json()) as OpenApiDocument;
  });
  afterAll(async () => {
    await app.close();
  });

  it('has a contract, with a French summary, for every route of the application', () => {
    expect(routes.filter((route) => !route.contract).map((route) => `${route.method} ${route.path}`)).toEqual([]);
    for (const route of routes) {
      expect({ route: route.path, summary: operationOf(route)?.summary }).toEqual({
        route: route.path,
        summary: route.contract!.summary,
      });
      // French: no English summary slipped through (they used to start with an English verb).
      expect(route.contract!.summary).not.toMatch(
        /^(Record|Register|The |A |Get |List |Create |Revoke |Import |Adopt |Amend |Publish )/,
      );
    }
  });

  it('documents the body of every route that takes one, with the schema that validates it and an example it accepts', () => {
    for (const route of routes.filter((candidate) => candidate.body)) {
      const contract = route.contract!;
      expect({ route: route.path, hasBody: Boolean(contract.body) }).toEqual({ route: route.path, hasBody: true });
      const parsed = contract.body!.schema.safeParse(contract.body!.example);
      expect({ route: `${route.method} ${route.path}`, errors: parsed.success ? [] : parsed.error.issues }).toEqual({
        route: `${route.method} ${route.path}`,
        errors: [],
      });
      const content = operationOf(route)!.requestBody!.content;
      for (const type of route.body!.types) {
        expect(content[type]).toEqual({
          schema: z.toJSONSchema(contract.body!.schema, { io: 'input', unrepresentable: 'any', target: 'openapi-3.0' }),
          example: contract.body!.example,
        });
      }
    }
    // No body is documented where none is read.
    for (const route of routes.filter((candidate) => !candidate.body)) expect(operationOf(route)?.requestBody).toBeUndefined();
  });

  it('documents every error a route may answer (access, body, parameters, business, 503), each code with its French title', () => {
    let documented = 0;
    for (const route of routes) {
      const responses = operationOf(route)!.responses;
      for (const code of routeErrors(route)) {
        const [status, title] = ERROR_TABLE[code];
        const answer = responses[String(status)];
        const schema = answer?.content?.['application/problem+json']?.schema as { properties: { code: { enum: string[] } } };
        expect({ route: `${route.method} ${route.path}`, code, listed: schema?.properties.code.enum.includes(code) }).toEqual({
          route: `${route.method} ${route.path}`,
          code,
          listed: true,
        });
        expect(answer!.description).toContain(`${code} : ${title}`);
        documented += 1;
      }
      if (route.rule !== 'public') expect(Object.keys(responses)).toEqual(expect.arrayContaining(['401', '403', '503']));
      if (route.contract!.answer === 'write')
        expect(Object.keys(responses)).toEqual(expect.arrayContaining(['200', '201', '409']));
    }
    expect(documented).toBeGreaterThan(routes.length * 4);
  });

  it('documents on every read that takes asOf the 422 of a point not reached, and on every read of an organisation the 404 of one Vigie does not know', () => {
    const errorsOf = (method: string, path: string) =>
      Object.values(document.paths[path]![method]!.responses).flatMap(
        (answer) =>
          (answer?.content?.['application/problem+json']?.schema as { properties: { code: { enum: string[] } } } | undefined)
            ?.properties.code.enum ?? [],
      );
    const reads: Array<[string, string[]]> = [
      ['/v1/epcis/{epci}/compliance', ['AS_OF_NOT_REACHED', 'EPCI_NOT_FOUND']],
      ['/v1/epcis/{epci}/compliance/forecast', ['AS_OF_NOT_REACHED', 'EPCI_NOT_FOUND']],
      ['/v1/departements/{departement}/compliance', ['AS_OF_NOT_REACHED', 'DEPARTEMENT_NOT_FOUND']],
      ['/v1/departements/{departement}/epcis', ['DEPARTEMENT_NOT_FOUND']],
      ['/v1/epcis/{epci}/leases', ['AS_OF_NOT_REACHED', 'EPCI_NOT_FOUND']],
      ['/v1/epcis/{epci}/leases/summary', ['AS_OF_NOT_REACHED', 'EPCI_NOT_FOUND']],
      ['/v1/bailleurs/{bailleurId}/leases', ['AS_OF_NOT_REACHED', 'BAILLEUR_NOT_FOUND']],
      ['/v1/bailleurs/{bailleurId}/bilans/{year}', ['AS_OF_NOT_REACHED', 'BAILLEUR_NOT_FOUND']],
      ['/v1/reservataires/{reservataireId}/ledger', ['AS_OF_NOT_REACHED', 'RESERVATAIRE_NOT_FOUND']],
      ['/v1/epcis/{siren}/cia', ['EPCI_NOT_FOUND']],
    ];
    for (const [path, codes] of reads)
      expect({ path, codes: errorsOf('get', path) }).toEqual({ path, codes: expect.arrayContaining(codes) });
  });
});
