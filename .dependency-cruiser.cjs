/**
 * Layer rules: imports point inward, toward the domain. `npm run lint` fails on any violation, and
 * test/arch/dependency-rules.unit.spec.ts plants a violation of every rule to prove it is caught.
 *
 * Two kinds of rules:
 * - allow-lists, one per lib and per app (`lib-<name>-allowed-imports`, `app-<name>-allowed-imports`):
 *   what a folder may import, everything else is an error. Adding a dependency means adding it here,
 *   in review.
 * - principles (`domain-is-pure`, `event-store-knows-no-housing`, ...), which the allow-lists already
 *   imply today; they stay so that loosening an allow-list against a principle still fails.
 *
 * Paths are those dependency-cruiser resolves: `@vigie/x` is `libs/x/src/index.ts` (tsconfig paths),
 * an npm package is `node_modules/<name>/...` (or `node_modules/@types/<name>/...` for its types), a
 * Node built-in is its bare name (`crypto` for `node:crypto`) with dependency type `core`.
 */

/** The housing law and what is built on it; storage and transport know none of them. */
const HOUSING_LIBS = ['domain', 'projections', 'messaging', 'access', 'alerts', 'referential'];

/** Libs that provide a Nest module, and so may import `@nestjs/*` and `fastify`. None today. */
const NEST_MODULE_LIBS = [];

/**
 * What each lib may import besides itself: other libs (through `@vigie/<lib>`), npm packages, and
 * whether Node built-ins are allowed (everywhere but the domain).
 */
const LIBS = {
  domain: { libs: [], packages: [], builtins: false },
  config: { libs: [], packages: ['pino', 'zod'] },
  postgres: { libs: [], packages: ['pg', 'typeorm'] },
  referential: { libs: ['domain'], packages: ['fastest-levenshtein'] },
  'event-store': { libs: ['postgres'], packages: ['pg', '@kurrent/kurrentdb-client'] },
  messaging: { libs: ['event-store', 'postgres'], packages: ['kafkajs', 'pg'] },
  projections: { libs: ['domain', 'event-store', 'postgres'], packages: ['pg'] },
  access: { libs: ['domain', 'postgres'], packages: ['pg', 'typeorm'] },
  alerts: { libs: ['domain', 'event-store', 'projections'], packages: ['pg'] },
};

/** What each app may import besides itself: libs only through `@vigie/<lib>`, npm packages. */
const APPS = {
  api: {
    libs: Object.keys(LIBS),
    packages: [
      '@fastify/static',
      '@nestjs/common',
      '@nestjs/core',
      '@nestjs/cqrs',
      '@nestjs/platform-fastify',
      '@nestjs/swagger',
      'body-parser',
      'connect-pg-simple',
      'csv-parse',
      'exceljs',
      'express-session',
      'fastest-levenshtein',
      'fastify',
      'fresh',
      'iconv-lite',
      'openid-client',
      'pg',
      'pino',
      'reflect-metadata',
      'rxjs',
      'saxes',
      'type-is',
      'typeorm',
      'yauzl',
      'zod',
    ],
  },
  projector: { libs: ['alerts', 'config', 'event-store', 'messaging', 'postgres', 'projections'], packages: [] },
};

/** Specs and test builders (only there: see production-code-does-not-import-tests) may also use these. */
const TEST_HELPERS = ['^test/(support|fixtures)/', '^libs/domain/src/testing/', npm('fast-check'), npm('jszip')];

const SPEC = '\\.spec\\.ts$';
const TESTING = '/testing/';
const ENTRY_POINT = '^libs/[^/]+/src/index\\.ts$';

/** The resolved path of an npm package, its own files or its `@types`. */
function npm(name) {
  return `(^|/)node_modules/(@types/)?${name.replace(/\./g, '\\.')}/`;
}

function entryPoints(libs) {
  return libs.length ? [`^libs/(${libs.join('|')})/src/index\\.ts$`] : [];
}

function allowList(kind, name, { libs, packages, builtins = true }) {
  const own = `^${kind}s/${name}/`;
  const allowed = [own, ...entryPoints(libs), ...packages.map(npm), ...TEST_HELPERS];
  const may = [libs.length ? `@vigie/{${libs.join(',')}}` : 'no other lib', ...packages, builtins ? 'node:*' : 'no node:*'];
  return {
    name: `${kind}-${name}-allowed-imports`,
    comment: `${kind}s/${name} may import only: ${may.join(', ')} (and test helpers from specs).`,
    severity: 'error',
    from: { path: own },
    to: { pathNot: allowed, ...(builtins ? { dependencyTypesNot: ['core'] } : {}) },
  };
}

/** The web application's browser client: served as static files by the dashboard, never imported. */
const WEB_CLIENT = '^apps/api/src/dashboard/public/';

module.exports = {
  forbidden: [
    {
      name: 'dashboard-computes-no-figures',
      comment:
        "The web application (apps/api/src/dashboard) shows the figures the JSON API answers, read with the person's session: it imports no rule of the law and no other context's handlers, so figures are never computed twice.",
      severity: 'error',
      from: { path: '^apps/api/src/dashboard/' },
      to: { path: ['^libs/domain/', '^apps/api/src/(attribution|cia|compliance|flux|imports|alerts)/'] },
    },
    {
      name: 'web-client-is-served-not-imported',
      comment: 'The browser client runs in the browser: server code never imports it.',
      severity: 'error',
      from: { pathNot: WEB_CLIENT },
      to: { path: WEB_CLIENT },
    },
    ...Object.entries(LIBS).map(([name, allowed]) => allowList('lib', name, allowed)),
    ...Object.entries(APPS).map(([name, allowed]) => allowList('app', name, allowed)),
    {
      name: 'domain-is-pure',
      comment: 'libs/domain imports nothing outside itself: no framework, no driver, no other lib.',
      severity: 'error',
      from: { path: '^libs/domain/', pathNot: SPEC },
      to: { pathNot: ['^libs/domain/'] },
    },
    {
      name: 'event-store-knows-no-housing',
      comment: 'Storage sees events, not the law.',
      severity: 'error',
      from: { path: '^libs/event-store/' },
      to: { path: `^libs/(${HOUSING_LIBS.join('|')})/` },
    },
    {
      name: 'messaging-knows-no-housing',
      comment: 'The relay carries events as recorded; projections and messaging share the events table, not code.',
      severity: 'error',
      from: { path: '^libs/messaging/' },
      to: { path: `^libs/(${HOUSING_LIBS.filter((lib) => lib !== 'messaging').join('|')})/` },
    },
    {
      name: 'libs-do-not-import-nest-or-fastify',
      comment: 'Libs are framework-free; only a lib that provides a Nest module (NEST_MODULE_LIBS) may.',
      severity: 'error',
      from: { path: '^libs/', ...(NEST_MODULE_LIBS.length ? { pathNot: `^libs/(${NEST_MODULE_LIBS.join('|')})/` } : {}) },
      to: { path: [npm('@nestjs/[^/]+'), npm('fastify'), npm('@fastify/[^/]+')] },
    },
    {
      name: 'libs-never-import-apps',
      severity: 'error',
      from: { path: '^libs/' },
      to: { path: '^apps/' },
    },
    {
      name: 'apps-do-not-import-each-other',
      severity: 'error',
      from: { path: '^apps/([^/]+)/' },
      to: { path: '^apps/', pathNot: ['^apps/$1/'] },
    },
    {
      name: 'other-libs-only-through-vigie-alias',
      comment: 'Another lib is imported as `@vigie/<lib>`, never by a relative path into libs/.',
      severity: 'error',
      from: { path: '^(apps|libs)/([^/]+)/' },
      to: { path: '^libs/', pathNot: ['^$1/$2/'], dependencyTypesNot: ['aliased-tsconfig-paths'] },
    },
    {
      name: 'other-libs-only-through-entry-point',
      comment: 'Another lib is reached through its index (`@vigie/<lib>`), never `libs/<lib>/src/...` or `@vigie/<lib>/...`.',
      severity: 'error',
      from: { path: '^(apps|libs)/([^/]+)/' },
      to: { path: '^libs/', pathNot: ['^$1/$2/', ENTRY_POINT, '^libs/domain/src/testing/'] },
    },
    {
      name: 'no-pg-in-routes',
      comment: 'Route files speak HTTP; SQL lives behind a port or a query.',
      severity: 'error',
      from: { path: '\\.(controller|route)\\.ts$' },
      to: { path: [npm('pg'), npm('pg-pool'), '^libs/postgres/'] },
    },
    {
      name: 'production-code-does-not-import-tests',
      severity: 'error',
      from: { path: '^(apps|libs)/', pathNot: [SPEC, TESTING] },
      to: { path: ['^test/', TESTING, SPEC, npm('fast-check')] },
    },
    {
      name: 'production-code-does-not-import-dev-dependencies',
      comment: 'Production installs omit devDependencies; type-only imports vanish at build.',
      severity: 'error',
      from: { path: '^(apps|libs)/', pathNot: [SPEC, TESTING] },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'no-orphans',
      comment: 'A module nothing imports and that imports nothing is dead code (specs, benches and config files aside).',
      severity: 'error',
      from: {
        orphan: true,
        pathNot: [
          SPEC,
          '\\.bench\\.ts$',
          '\\.d\\.ts$',
          '(^|/)[^/]*\\.config\\.[cm]?[jt]s$',
          '(^|/)\\.[^/]+\\.[cm]?js$',
          WEB_CLIENT,
        ],
      },
      to: {},
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};
