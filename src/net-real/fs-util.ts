/**
 * Small synchronous file helpers with the durability steps spelled out. Synchronous on
 * purpose: Storage.sync() is synchronous in the Env contract (the caller persists before it
 * sends, as in etcd's raft), so the fsync must have happened when it returns.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** Bound on write() calls for one buffer: a disk that keeps returning short writes is broken. */
const MAX_WRITE_CALLS = 1_000_000;

/** Writes all of buf at the fd's position (or end for O_APPEND fds). */
export function writeAll(fd: number, buf: Uint8Array): void {
  let done = 0;
  for (let calls = 0; done < buf.length; calls++) {
    if (calls >= MAX_WRITE_CALLS) throw new Error(`writeAll: no progress after ${calls} write calls`);
    done += writeSync(fd, buf, done, buf.length - done);
  }
}

/** Writes buf[from..] at file position `from` (positional: unaffected by the fd's offset), retrying short writes. */
export function writeAllAt(fd: number, buf: Uint8Array, from: number): void {
  let done = from;
  for (let calls = 0; done < buf.length; calls++) {
    if (calls >= MAX_WRITE_CALLS) throw new Error(`writeAllAt: no progress after ${calls} write calls`);
    done += writeSync(fd, buf, done, buf.length - done, done);
  }
}

/** fsync of a directory: makes creations, renames and unlinks in it durable (POSIX). */
export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Replaces dir/name with bytes atomically: write a temp file, fsync it, rename over the
 * target. The caller fsyncs `dir` afterwards (once for a batch of renames) to make the
 * rename itself durable. A crash leaves either the old or the new content, never a mix.
 */
export function writeFileAtomicNoDirSync(dir: string, name: string, bytes: Uint8Array): void {
  const tmp = join(dir, tmpName(name));
  const fd = openSync(tmp, 'w');
  try {
    writeAll(fd, bytes);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, join(dir, name));
}

/** Temp files start with '.tmp-'; nothing else we write does, so leftovers can be swept on open. */
export function tmpName(name: string): string {
  return `.tmp-${name}`;
}
export const TMP_PREFIX = '.tmp-';

/** Bound on directory depth walked by ensureDirDurable. */
const MAX_DIR_DEPTH = 256;

/**
 * mkdir -p, then fsync the parent of every directory it created, so a crash cannot lose
 * the directory entries (and with them files that were themselves fsynced).
 */
export function ensureDirDurable(path: string): void {
  const target = resolve(path);
  const created = mkdirSync(target, { recursive: true });
  if (created === undefined) return;
  const top = resolve(created);
  let d = target;
  for (let depth = 0; depth < MAX_DIR_DEPTH; depth++) {
    fsyncDir(dirname(d));
    if (d === top || dirname(d) === d) return;
    d = dirname(d);
  }
}
