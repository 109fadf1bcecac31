import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Every dependency rule of .dependency-cruiser.cjs is proven by a planted violation: a copy of the
 * tree in a temporary folder (never in the worktree, so the formatter, the linter and the type
 * checker cannot see it, and nothing is left behind) receives files that each break a rule (the
 * allow-list of their folder too, where it applies), the cruiser runs there with the same config and
 * command as `npm run lint`, and each of those rules must report its planted file. The real tree
 * must report nothing, and neither must files that only use what the rules allow.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CONFIG = '.dependency-cruiser.cjs';
const CRUISER = join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');

interface Plant {
  /** Where the file goes, relative to the root of the tree. */
  readonly file: string;
  readonly source: string;
  /** The rules that must report this file (or one of its companions). */
  readonly breaks: readonly string[];
  /** Other files the violation needs, e.g. the other side of a cycle. */
  readonly companions?: Record<string, string>;
}

const importing = (...specifiers: string[]) => specifiers.map((specifier) => `import '${specifier}';\n`).join('');

/** Files that only give the plants something to import; they break nothing themselves. */
const TARGETS: Record<string, string> = {
  'apps/api/src/__planted__/target.ts': 'export const target = 1;\n',
  'libs/domain/src/__planted__/internal.ts': 'export const internal = 1;\n',
  'libs/event-store/src/__planted__/internal.ts': 'export const internal = 1;\n',
  'test/support/__planted__/helper.ts': 'export const helper = 1;\n',
};

const PLANTS: readonly Plant[] = [
  // Allow-lists, one per lib and per app.
  {
    file: 'libs/domain/src/__planted__/postgres.ts',
    source: importing('@vigie/postgres'),
    breaks: ['lib-domain-allowed-imports', 'domain-is-pure'],
  },
  {
    file: 'libs/domain/src/__planted__/builtin.ts',
    source: importing('node:crypto'),
    breaks: ['lib-domain-allowed-imports', 'domain-is-pure'],
  },
  { file: 'libs/config/src/__planted__/pg.ts', source: importing('pg'), breaks: ['lib-config-allowed-imports'] },
  {
    file: 'libs/postgres/src/__planted__/config.ts',
    source: importing('@vigie/config'),
    breaks: ['lib-postgres-allowed-imports'],
  },
  { file: 'libs/referential/src/__planted__/zod.ts', source: importing('zod'), breaks: ['lib-referential-allowed-imports'] },
  {
    file: 'libs/event-store/src/__planted__/access.ts',
    source: importing('@vigie/access'),
    breaks: ['lib-event-store-allowed-imports', 'event-store-knows-no-housing'],
  },
  {
    file: 'libs/messaging/src/__planted__/domain.ts',
    source: importing('@vigie/domain'),
    breaks: ['lib-messaging-allowed-imports', 'messaging-knows-no-housing'],
  },
  {
    file: 'libs/projections/src/__planted__/nest.ts',
    source: importing('@nestjs/common'),
    breaks: ['lib-projections-allowed-imports', 'libs-do-not-import-nest-or-fastify'],
  },
  {
    file: 'libs/access/src/__planted__/alerts.ts',
    source: importing('@vigie/alerts'),
    breaks: ['lib-access-allowed-imports'],
  },
  {
    file: 'libs/alerts/src/__planted__/fastify.ts',
    source: importing('fastify'),
    breaks: ['lib-alerts-allowed-imports', 'libs-do-not-import-nest-or-fastify'],
  },
  { file: 'apps/api/src/__planted__/kafka.ts', source: importing('kafkajs'), breaks: ['app-api-allowed-imports'] },
  {
    file: 'apps/projector/src/__planted__/nest.ts',
    source: importing('@nestjs/core'),
    breaks: ['app-projector-allowed-imports'],
  },
  // Direction between folders.
  {
    file: 'libs/access/src/__planted__/app.ts',
    source: importing('../../../../apps/api/src/__planted__/target.js'),
    breaks: ['libs-never-import-apps', 'lib-access-allowed-imports'],
  },
  {
    file: 'apps/projector/src/__planted__/api.ts',
    source: importing('../../../api/src/__planted__/target.js'),
    breaks: ['apps-do-not-import-each-other', 'app-projector-allowed-imports'],
  },
  // Libs through `@vigie/<lib>` only.
  {
    file: 'apps/api/src/__planted__/relative-lib.ts',
    source: importing('../../../../libs/domain/src/index.js'),
    breaks: ['other-libs-only-through-vigie-alias'],
  },
  {
    file: 'libs/alerts/src/__planted__/relative-lib.ts',
    source: importing('../../../domain/src/index.js'),
    breaks: ['other-libs-only-through-vigie-alias'],
  },
  {
    file: 'apps/api/src/__planted__/deep-alias.ts',
    source: importing('@vigie/domain/__planted__/internal.js'),
    breaks: ['other-libs-only-through-entry-point', 'app-api-allowed-imports'],
  },
  {
    file: 'apps/api/src/__planted__/deep-relative.ts',
    source: importing('../../../../libs/event-store/src/__planted__/internal.js'),
    breaks: ['other-libs-only-through-entry-point', 'other-libs-only-through-vigie-alias', 'app-api-allowed-imports'],
  },
  {
    file: 'libs/projections/src/__planted__/deep-relative.ts',
    source: importing('../../../event-store/src/__planted__/internal.js'),
    breaks: ['other-libs-only-through-entry-point', 'other-libs-only-through-vigie-alias', 'lib-projections-allowed-imports'],
  },
  // The web application.
  {
    file: 'apps/api/src/dashboard/__planted__/figures.ts',
    source: importing('@vigie/domain'),
    breaks: ['dashboard-computes-no-figures'],
  },
  {
    file: 'apps/api/src/dashboard/__planted__/compliance.ts',
    source: importing('../../compliance/compliance.service.js'),
    breaks: ['dashboard-computes-no-figures'],
  },
  {
    file: 'apps/api/src/__planted__/web-client.ts',
    source: importing('../dashboard/public/app.js'),
    breaks: ['web-client-is-served-not-imported'],
  },
  // Route files.
  { file: 'apps/api/src/__planted__/planted.controller.ts', source: importing('pg'), breaks: ['no-pg-in-routes'] },
  { file: 'apps/api/src/__planted__/planted.route.ts', source: importing('@vigie/postgres'), breaks: ['no-pg-in-routes'] },
  // Production code and tests.
  {
    file: 'libs/access/src/__planted__/test-support.ts',
    source: importing('../../../../test/support/__planted__/helper.js'),
    breaks: ['production-code-does-not-import-tests'],
  },
  {
    file: 'apps/api/src/__planted__/test-builders.ts',
    source: importing('@vigie/domain/testing/attribution.builders.js'),
    breaks: ['production-code-does-not-import-tests'],
  },
  {
    file: 'libs/projections/src/__planted__/fast-check.ts',
    source: importing('fast-check'),
    breaks: ['production-code-does-not-import-tests', 'production-code-does-not-import-dev-dependencies'],
  },
  {
    file: 'apps/api/src/__planted__/dev-dependency.ts',
    source: importing('@event-driven-io/emmett'),
    breaks: ['production-code-does-not-import-dev-dependencies', 'app-api-allowed-imports'],
  },
  // Whole-graph rules.
  { file: 'libs/referential/src/__planted__/orphan.ts', source: 'export const nobody = 1;\n', breaks: ['no-orphans'] },
  {
    file: 'libs/projections/src/__planted__/cycle-a.ts',
    source: importing('./cycle-b.js'),
    breaks: ['no-circular'],
    companions: { 'libs/projections/src/__planted__/cycle-b.ts': importing('./cycle-a.js') },
  },
];

/** What the rules must keep allowing: tests use helpers, libs their allowed libs through the alias. */
const ALLOWED: Record<string, string> = {
  'libs/alerts/src/__planted__/allowed.unit.spec.ts': importing(
    '@vigie/projections',
    'node:crypto',
    'fast-check',
    '@vigie/domain/testing/attribution.builders.js',
    '../../../../test/support/__planted__/helper.js',
  ),
  'libs/messaging/src/__planted__/allowed.ts': importing('@vigie/event-store', 'kafkajs', 'pg', 'node:crypto'),
  'apps/api/src/__planted__/allowed.controller.ts':
    importing('@vigie/domain', '@nestjs/common', 'zod') +
    "import type { FastifyRequest } from 'fastify';\nexport type Planted = FastifyRequest;\n",
  'libs/projections/src/__planted__/allowed.ts': importing('@vigie/domain', '@vigie/event-store', '@vigie/postgres', 'pg'),
};

interface Violation {
  readonly from: string;
  readonly to: string;
  readonly rule: { readonly name: string };
}

/** `depcruise apps libs --config .dependency-cruiser.cjs`, as `npm run lint` runs it, in `cwd`. */
function cruise(cwd: string, out: string): Violation[] {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const run = spawnSync(
    process.execPath,
    [CRUISER, 'apps', 'libs', '--config', CONFIG, '--output-type', 'json', '--output-to', out],
    { cwd, env, encoding: 'utf8' },
  );
  let result: { summary: { violations: Violation[] } };
  try {
    result = JSON.parse(readFileSync(out, 'utf8'));
  } catch {
    throw new Error(`dependency-cruiser gave no report (exit ${run.status}): ${run.stderr}`);
  }
  return result.summary.violations;
}

const plantedFiles = (plant: Plant) => [plant.file, ...Object.keys(plant.companions ?? {})];

const show = (violations: readonly Violation[]) => violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`);

describe('Dependency rules', () => {
  let scratch: string;
  let real: Violation[];
  let planted: Violation[];

  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'vigie-dependency-rules-'));
    real = cruise(ROOT, join(scratch, 'real.json'));

    const tree = join(scratch, 'tree');
    for (const folder of ['apps', 'libs', 'test']) cpSync(join(ROOT, folder), join(tree, folder), { recursive: true });
    for (const file of [CONFIG, 'tsconfig.json', 'package.json']) copyFileSync(join(ROOT, file), join(tree, file));
    symlinkSync(join(ROOT, 'node_modules'), join(tree, 'node_modules'), 'dir');
    const files = {
      ...TARGETS,
      ...ALLOWED,
      ...Object.fromEntries(PLANTS.flatMap((plant) => [[plant.file, plant.source], ...Object.entries(plant.companions ?? {})])),
    };
    for (const [file, source] of Object.entries(files)) {
      mkdirSync(dirname(join(tree, file)), { recursive: true });
      writeFileSync(join(tree, file), source);
    }
    planted = cruise(tree, join(scratch, 'planted.json'));
  }, 120_000);

  afterAll(() => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('finds no violation in the real tree', () => {
    expect(show(real)).toEqual([]);
  });

  it('reports each planted violation under the rule it breaks', () => {
    const missed = PLANTS.flatMap((plant) =>
      plant.breaks
        .filter((rule) => !planted.some((v) => v.rule.name === rule && plantedFiles(plant).includes(v.from)))
        .map((rule) => `${rule} did not catch ${plant.file} (${plant.source.trim()})`),
    );
    expect(missed).toEqual([]);
  });

  it('plants a violation for every rule of the config', () => {
    const { forbidden } = createRequire(import.meta.url)(join(ROOT, CONFIG)) as { forbidden: { name: string }[] };
    const proven = new Set(PLANTS.flatMap((plant) => plant.breaks));
    expect(forbidden.map((rule) => rule.name).filter((name) => !proven.has(name))).toEqual([]);
  });

  it('reports nothing but the plants: the tree copied as is and the allowed imports pass', () => {
    const plants = new Set(PLANTS.flatMap(plantedFiles));
    expect(show(planted.filter((v) => !plants.has(v.from)))).toEqual([]);
  });
});
