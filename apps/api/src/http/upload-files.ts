import { randomUUID } from 'node:crypto';
import { readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Uploads older than this are removed at start-up whoever wrote them (24 h, in ms): no import runs
 * that long, and a PID may have been reused by another program since its owner died.
 */
export const UPLOAD_MAX_AGE_MS = 24 * 3_600_000;

const PREFIX = 'vigie-upload-';

/** This process's uploads still on disk: removed at shutdown, even if their answer or import has not ended. */
const ownUploads = new Set<string>();

/** Even on an exit without shutdown (an uncaught error): the files hold household numbers in clear. */
let exitHookInstalled = false;

/**
 * A new upload's path in the system's temporary directory (TMPDIR), named after this process
 * (`vigie-upload-<pid>-<uuid>`) so that another process's start-up sweep leaves it alone while
 * this process lives. The path is tracked until `forgetUpload`.
 */
export function newUploadPath(): string {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', removeOwnUploads);
  }
  const path = join(tmpdir(), `${PREFIX}${process.pid}-${randomUUID()}`);
  ownUploads.add(path);
  return path;
}

/** The upload at `path` is deleted: no longer this process's to remove. */
export function forgetUpload(path: string): void {
  ownUploads.delete(path);
}

/** Deletes every upload of this process still on disk (at shutdown; synchronous so that it also runs on `exit`). */
export function removeOwnUploads(): void {
  for (const path of ownUploads) rmSync(path, { force: true });
  ownUploads.clear();
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Deletes the uploads left in `dir` by processes that ended without their shutdown (a kill -9, a
 * crash): those whose owner PID is no longer running, and any older than UPLOAD_MAX_AGE_MS
 * (names without a PID, written before uploads were named after their process, included).
 * A running process's recent uploads are left alone: several processes may share the folder.
 * Returns the names removed.
 */
export function sweepStaleUploads(dir: string = tmpdir(), now: number = Date.now()): string[] {
  const removed: string[] = [];
  for (const name of readdirSync(dir)) {
    if (!name.startsWith(PREFIX)) continue;
    const owner = /^(\d+)-/.exec(name.slice(PREFIX.length))?.[1];
    const path = join(dir, name);
    try {
      const old = now - statSync(path).mtimeMs > UPLOAD_MAX_AGE_MS;
      const orphaned = owner !== undefined && Number(owner) !== process.pid && !isAlive(Number(owner));
      if (!old && !orphaned) continue;
      rmSync(path, { force: true });
      removed.push(name);
    } catch {
      // Removed meanwhile by its owner.
    }
  }
  return removed;
}
