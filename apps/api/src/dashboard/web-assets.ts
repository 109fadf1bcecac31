import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

const require = createRequire(import.meta.url);

/** The web application's own scripts and styles (copied beside the build by `npm run build`). */
export const WEB_PUBLIC_DIR = join(dirname(fileURLToPath(import.meta.url)), 'public');

/**
 * Static files of the web application, all served from this process (no CDN) by @fastify/static:
 * the State's design system (`@gouvfr/dsfr`) under /dsfr, Chart.js under /vendor/chart.js, and
 * the application's own client under /web. Public: they hold no data. A missing file is the API's
 * 404 (NOT_FOUND); no directory index.
 */
export function serveWebAssets(fastify: FastifyInstance): void {
  // `decorateReply: false`: no `reply.sendFile`, which nothing uses (and which one plugin only may add).
  const options = { index: false, wildcard: true, maxAge: '1h', decorateReply: false } as const;
  void fastify.register(fastifyStatic, {
    ...options,
    root: join(dirname(require.resolve('@gouvfr/dsfr/package.json')), 'dist'),
    prefix: '/dsfr/',
  });
  void fastify.register(fastifyStatic, { ...options, root: dirname(require.resolve('chart.js')), prefix: '/vendor/chart.js/' });
  void fastify.register(fastifyStatic, { ...options, root: WEB_PUBLIC_DIR, maxAge: 0, prefix: '/web/' });
}
