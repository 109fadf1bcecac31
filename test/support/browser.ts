import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium (never a browser download): VIGIE_CHROMIUM may name another binary. */
export const CHROMIUM = process.env.VIGIE_CHROMIUM ?? '/usr/bin/chromium';

/** Where the browser tests save their screenshots (test artefacts). */
export const SCREENSHOTS = join(process.cwd(), 'test-results', 'screenshots');

/**
 * Headless Chromium driven by playwright-core. Without the browser the test fails, saying how to
 * install it: a browser test never skips.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is missing at ${CHROMIUM}: the browser tests need it. Install Debian's package with ` +
        '`apt-get update && apt-get install -y chromium` (or set VIGIE_CHROMIUM to a Chromium binary).',
    );
  }
  mkdirSync(SCREENSHOTS, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}
