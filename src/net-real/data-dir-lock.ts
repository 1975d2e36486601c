/**
 * Exclusive ownership of a data directory: a LOCK file created with O_EXCL holding the
 * owner's pid. A second hanode on the same directory fails with a clear error instead of
 * two processes appending to the same log. A lock whose pid is no longer alive (the owner
 * crashed) is stale and taken over.
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

export const LOCK_FILE = 'LOCK';

export class DataDirLockedError extends Error {
  constructor(
    readonly dir: string,
    readonly ownerPid: number,
  ) {
    super(`data dir ${dir} is in use by process ${ownerPid} (lock file ${join(dir, LOCK_FILE)}); stop that process or use another --data-dir`);
    this.name = 'DataDirLockedError';
  }
}

export interface DataDirLock {
  readonly path: string;
  /** Whether a stale lock (dead owner) was taken over. */
  readonly tookOverStalePid: number | null;
  release(): void;
}

/** Bound on take-over attempts: two processes racing for a stale lock settle within a couple. */
const MAX_ATTEMPTS = 3;

export function lockDataDir(dir: string): DataDirLock {
  const path = join(dir, LOCK_FILE);
  let tookOver: number | null = null;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const owner = readOwner(path);
      if (owner !== null && isAlive(owner)) throw new DataDirLockedError(dir, owner);
      // Stale (dead owner) or unreadable (crashed between create and write): take it over.
      tookOver = owner ?? 0;
      try {
        unlinkSync(path);
      } catch (u) {
        if ((u as NodeJS.ErrnoException).code !== 'ENOENT') throw u;
      }
      continue;
    }
    writeSync(fd, `${process.pid}\n${hostname()}\n`);
    closeSync(fd);
    let released = false;
    return {
      path,
      tookOverStalePid: tookOver,
      release() {
        if (released) return;
        released = true;
        if (readOwner(path) === process.pid) unlinkSync(path);
      },
    };
  }
  throw new Error(`could not take the lock ${path} after ${MAX_ATTEMPTS} attempts (another process keeps taking it)`);
}

function readOwner(path: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8').split('\n')[0] ?? '', 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** Signal 0 checks existence without signalling; EPERM means it exists under another user. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
