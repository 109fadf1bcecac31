import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { forgetUpload, newUploadPath, removeOwnUploads, sweepStaleUploads, UPLOAD_MAX_AGE_MS } from './upload-files.js';

/** The PID of a process that has ended (a child run to completion). */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid!;
}

describe('Uploads left in the temporary folder', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigie-uploads-spec-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const file = (name: string, ageMs = 0) => {
    writeFileSync(join(dir, name), 'numero_unique;059...\n');
    const at = (Date.now() - ageMs) / 1_000;
    utimesSync(join(dir, name), at, at);
  };

  it('at start-up, removes a stopped process’s uploads and old ones, never a running process’s recent one', () => {
    const dead = deadPid();
    file(`vigie-upload-${dead}-a`);
    file(`vigie-upload-${process.pid}-b`);
    file(`vigie-upload-${process.ppid}-c`);
    file(`vigie-upload-${process.ppid}-d`, UPLOAD_MAX_AGE_MS + 60_000);
    file('vigie-upload-3f9a2b1c-0000-4000-8000-123456789012', UPLOAD_MAX_AGE_MS + 60_000);
    file('vigie-upload-3f9a2b1c-0000-4000-8000-000000000000');
    file('other-program', UPLOAD_MAX_AGE_MS + 60_000);
    const removed = sweepStaleUploads(dir);
    expect(removed.sort()).toEqual(
      [`vigie-upload-${dead}-a`, `vigie-upload-${process.ppid}-d`, 'vigie-upload-3f9a2b1c-0000-4000-8000-123456789012'].sort(),
    );
    expect(readdirSync(dir).sort()).toEqual(
      [
        'other-program',
        `vigie-upload-${process.pid}-b`,
        `vigie-upload-${process.ppid}-c`,
        'vigie-upload-3f9a2b1c-0000-4000-8000-000000000000',
      ].sort(),
    );
  });

  it('names each upload after this process, and removes those still on disk at shutdown', () => {
    const kept = newUploadPath();
    const done = newUploadPath();
    expect(basename(kept)).toMatch(new RegExp(`^vigie-upload-${process.pid}-[0-9a-f-]{36}$`));
    writeFileSync(kept, 'x');
    writeFileSync(done, 'x');
    forgetUpload(done);
    removeOwnUploads();
    expect({ kept: existsSync(kept), done: existsSync(done) }).toEqual({ kept: false, done: true });
    rmSync(done);
  });
});
