import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NestExpressApplication } from '@nestjs/platform-express';

const require = createRequire(import.meta.url);

/** The web application's own scripts and styles (copied beside the build by `npm run build`). */
export const WEB_PUBLIC_DIR = join(dirname(fileURLToPath(import.meta.url)), 'public');

/**
 * Static files of the web application, all served from this process (no CDN): the State's
 * design system (`@gouvfr/dsfr`) under /dsfr, Chart.js under /vendor/chart.js, and the
 * application's own client under /web. Public: they hold no data.
 */
export function serveWebAssets(app: NestExpressApplication): void {
  const options = { fallthrough: false, index: false, maxAge: '1h' } as const;
  app.useStaticAssets(join(dirname(require.resolve('@gouvfr/dsfr/package.json')), 'dist'), { ...options, prefix: '/dsfr' });
  app.useStaticAssets(dirname(require.resolve('chart.js')), { ...options, prefix: '/vendor/chart.js' });
  app.useStaticAssets(WEB_PUBLIC_DIR, { ...options, maxAge: 0, prefix: '/web' });
}
