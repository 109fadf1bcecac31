import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startTestApp, TEST_ADMIN_KEY, type TestApp } from '../support/app.js';

const CLI = fileURLToPath(new URL('../../bin/vigie.mjs', import.meta.url));

describe('vigie keys create, as a terminal shows it', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp();
  });

  afterAll(async () => {
    await app.close();
  });

  it('prints the key alone on its line (stdout, for scripts), then the notice on its own line (stderr)', async () => {
    // Both streams into one pipe, as a terminal or `2>&1` shows them.
    const merged = await new Promise<string>((resolve, reject) =>
      execFile(
        '/bin/sh',
        [
          '-c',
          `"${process.execPath}" "${CLI}" keys create --role bailleur --tenant lmh --label "SI LMH" --api "$API" --key "$KEY" 2>&1`,
        ],
        { env: { ...process.env, API: app.url, KEY: TEST_ADMIN_KEY } },
        (error, stdout) => (error ? reject(error) : resolve(stdout)),
      ),
    );
    const lines = merged.split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^vigie_[a-f0-9]{16}_[A-Za-z0-9_-]+$/);
    const id = lines[0]!.split('_')[1];
    expect(lines[1]).toBe(
      `Clé ${id} créée (bailleur lmh, « SI LMH »). Elle ne sera plus affichée : transmettez-la à son détenteur.`,
    );
    expect(lines[2]).toBe('');
  });
});
