import fc from 'fast-check';
import { CONTROLLERS } from '../../apps/api/src/app.module.js';
import { routeRules } from '../../apps/api/src/access/route-rules.js';
import { startTestApp, TEST_ADMIN_KEY, type TestApp } from '../support/app.js';

/** Hostile requests in all: spread over every route that takes an input. */
const RUNS = Number(process.env.VIGIE_FUZZ_RUNS ?? 10_000);

/** Strings PostgreSQL cannot store: every generated request carries at least one where the route reads it. */
const unstorable = fc.oneof(
  fc.tuple(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 })).map(([a, b]) => `${a}\u0000${b}`),
  fc
    .tuple(fc.string({ maxLength: 8 }), fc.integer({ min: 0xd800, max: 0xdfff }))
    .map(([a, code]) => `${a}${String.fromCharCode(code)}`),
);

/** Anything else a hostile client sends. */
const hostile = fc.oneof(
  unstorable,
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.constantFrom(
    '-271821-04-20T00:00:00Z',
    '+275760-09-13T00:00:00Z',
    '0000-00-00',
    '2026-02-30',
    '9'.repeat(40),
    // Over the router's maxParamLength in a path: refused by Fastify before any route.
    '7'.repeat(3_000),
    '-1',
    'NaN',
    "'; DROP TABLE events; --",
    '../../etc/passwd',
    '%00',
    'x'.repeat(5_000),
    '',
  ),
);

const json = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    hostile,
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 12 }), tie('value'), { maxKeys: 5 }),
  ),
})).value;

/** A body with at least one unstorable string, at the top or nested under a field the schemas know. */
const body = fc
  .tuple(
    fc.dictionary(
      fc.constantFrom('eventId', 'leaseId', 'caseId', 'bailleurId', 'flat', 'household', 'label', 'name', 'year'),
      json,
      {
        maxKeys: 6,
      },
    ),
    fc.constantFrom('eventId', 'leaseId', 'caseId', 'bailleurId', 'label', 'name', 'reason', 'comment'),
    unstorable,
  )
  .map(([base, key, bad]) => ({ ...base, [key]: bad }));

/** Percent-encoding that also writes what encodeURIComponent refuses (lone surrogates) as invalid UTF-8. */
function encode(text: string): string {
  let out = '';
  for (const char of text) {
    const code = char.charCodeAt(0);
    out += char.length === 1 && code >= 0xd800 && code <= 0xdfff ? '%ED%A0%80' : encodeURIComponent(char);
  }
  return out;
}

interface Route {
  readonly method: string;
  readonly path: string;
  readonly pathParams: string[];
  readonly queryParams: string[];
  readonly hasBody: boolean;
}

describe(`Fuzz: ${RUNS} hostile requests generated from the route table`, () => {
  let app: TestApp;
  let routes: Route[];

  beforeAll(async () => {
    app = await startTestApp();
    const document = (await (await fetch(`${app.url}/docs/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { parameters?: Array<{ name: string; in: string }> }>>;
    };
    // Every route of the application (a new one is fuzzed without editing this test), with the query
    // parameters its OpenAPI description declares.
    routes = routeRules([...CONTROLLERS])
      .map((route) => {
        const openApiPath = route.path.replace(/:(\w+)/g, '{$1}');
        const operation = document.paths[openApiPath]?.[route.method.toLowerCase()];
        return {
          method: route.method,
          path: route.path,
          pathParams: [...route.path.matchAll(/:(\w+)/g)].map((match) => match[1]!),
          queryParams: (operation?.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
          // Only routes that declare a body read one (an undeclared body is never read).
          hasBody: route.body !== undefined,
        };
      })
      // A route that reads nothing from the request cannot be given anything hostile.
      .filter((route) => route.pathParams.length + route.queryParams.length > 0 || route.hasBody);
  });

  afterAll(async () => {
    await app.close();
  });

  const count = async (table: string) => Number((await app.db.pool.query(`SELECT count(*) FROM ${table}`)).rows[0].count);

  it('answers only 4xx, never 5xx, and writes nothing', async () => {
    expect(routes.length).toBeGreaterThan(30);
    const before = { events: await count('events'), keys: await count('api_keys'), imports: await count('imports') };
    const statuses = new Map<string, number>();
    const failures: string[] = [];
    const request = fc
      .tuple(
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.array(hostile, { minLength: 8, maxLength: 8 }),
        unstorable,
        body,
        fc.nat(),
      )
      .map(([index, values, bad, payload, slot]) => {
        const route = routes[index % routes.length]!;
        const slots = [
          ...route.pathParams.map((name) => ({ kind: 'path', name })),
          ...route.queryParams.map((name) => ({ kind: 'query', name })),
          ...(route.hasBody ? [{ kind: 'body', name: '' }] : []),
        ];
        const badSlot = slots[slot % slots.length]!;
        let path = route.path;
        route.pathParams.forEach((name, i) => {
          const value = badSlot.kind === 'path' && badSlot.name === name ? bad : values[i % values.length]!;
          path = path.replace(`:${name}`, encode(value) || 'x');
        });
        const query = route.queryParams
          .map((name, i) => {
            const value = badSlot.kind === 'query' && badSlot.name === name ? bad : values[(i + 3) % values.length]!;
            return `${encodeURIComponent(name)}=${encode(value)}`;
          })
          .join('&');
        return { route, url: `${path}${query ? `?${query}` : ''}`, body: route.hasBody ? payload : undefined };
      });
    await fc.assert(
      fc.asyncProperty(request, async ({ route, url, body: payload }) => {
        const response = await fetch(`${app.url}${url}`, {
          method: route.method,
          headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, ...(payload ? { 'content-type': 'application/json' } : {}) },
          body: payload ? JSON.stringify(payload) : undefined,
          signal: AbortSignal.timeout(10_000),
        });
        await response.arrayBuffer();
        const key = `${response.status}`;
        statuses.set(key, (statuses.get(key) ?? 0) + 1);
        // Every refusal, Fastify's own included, is problem+json.
        const problem = response.headers.get('content-type')?.startsWith('application/problem+json');
        if (response.status < 400 || response.status >= 500 || !problem) {
          if (failures.length < 20) failures.push(`${response.status} ${route.method} ${route.path}: ${url.slice(0, 200)}`);
        }
      }),
      { numRuns: RUNS },
    );
    console.log(`fuzz: ${RUNS} requests over ${routes.length} routes, statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
    expect(failures).toEqual([]);
    expect({ events: await count('events'), keys: await count('api_keys'), imports: await count('imports') }).toEqual(before);
  }, 600_000);
});
