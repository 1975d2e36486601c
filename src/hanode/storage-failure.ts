/**
 * A write or fsync the disk refused (issue 15, point 1: ENOSPC, EIO, ...). The agent's answer is
 * the simulator's (DiskWriteError, src/host/memory-storage.ts): stop where it stands, never
 * acknowledge what the failed call covered, and recover on restart from what is durable. A
 * retried fsync cannot be trusted (PostgreSQL's "fsyncgate", 2018: after a failed fsync Linux may
 * drop the dirty pages and report the next fsync as a success), so the storage is not retried:
 *  - the first such error is reported once (onFailure: one ERROR line, the agent exits with
 *    EX_IOERR 74) and rethrown, unwinding the core before it sends an acknowledgement;
 *  - every later call on the storage throws StorageFailedError at once, and the storage is
 *    abandoned (its unsynced writes dropped, as a crash would), so shutdown never syncs it again.
 * An operator frees space (or replaces the disk) and starts the agent again: docs/storage-faults.md.
 */
import type { Storage } from '../core/env.ts';

/** Error codes of a disk that refused a write (errno names, as node:fs reports them). */
const DISK_CODES = new Set(['ENOSPC', 'EDQUOT', 'EIO', 'EROFS', 'EFBIG']);

/** sysexits.h EX_IOERR: "an error occurred while doing I/O on some file". */
export const EXIT_IO_ERROR = 74;

export function isDiskError(err: unknown): err is NodeJS.ErrnoException {
  return typeof err === 'object' && err !== null && DISK_CODES.has((err as { code?: unknown }).code as string);
}

export class StorageFailedError extends Error {
  constructor(
    readonly service: string,
    readonly diskError: NodeJS.ErrnoException,
  ) {
    super(`storage ${service} failed earlier (${diskError.code}): refusing further writes`);
    this.name = 'StorageFailedError';
  }
}

/** The one log line for a failed storage. */
export function describeDiskFailure(service: string, err: NodeJS.ErrnoException): string {
  const where = err.path !== undefined ? ` on ${err.path}` : '';
  return (
    `[ERROR] storage ${service}: ${err.code} (${err.syscall ?? 'write'}${where}): the disk refused a write; ` +
    `this node acknowledges nothing more and stops (exit ${EXIT_IO_ERROR}); free space or fix the disk, then start it again: it recovers from what is durable`
  );
}

/**
 * Wraps a storage: a disk error from any call is reported once through onFailure and poisons the
 * storage (see above). `abandon` drops the storage's unsynced state (FileStorage.abandon).
 */
export function guardStorage<S extends Storage & { abandon(): void; onAsyncFailure?(handler: (err: NodeJS.ErrnoException) => void): void }>(
  service: string,
  storage: S,
  onFailure: (err: NodeJS.ErrnoException) => void,
): S {
  let failed: NodeJS.ErrnoException | undefined;
  // A failed asynchronous fsync (FileStorage.syncAsync) reaches no caller: poison and report it the same way.
  storage.onAsyncFailure?.((err) => {
    if (failed !== undefined) return;
    failed = err;
    try {
      storage.abandon();
    } catch {
      // the files are being given up anyway
    }
    onFailure(err);
  });
  return new Proxy(storage, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function' || prop === 'abandon') return value;
      return (...args: unknown[]) => {
        if (failed !== undefined) throw new StorageFailedError(service, failed);
        try {
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        } catch (err) {
          if (!isDiskError(err)) throw err;
          failed = err;
          try {
            target.abandon();
          } catch {
            // the files are being given up anyway
          }
          onFailure(err);
          throw err;
        }
      };
    },
  });
}
