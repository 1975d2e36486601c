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
import type { Storage, StorageDamage } from '../core/env.ts';

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
): Storage {
  return new DiskGuard(service, storage, onFailure);
}

/**
 * The wrapper of guardStorage: a plain method per Storage call (the storage is on every write's path,
 * several calls a write: no Proxy trap, rest arguments or apply on it).
 */
class DiskGuard implements Storage {
  private failed: NodeJS.ErrnoException | undefined;
  readonly syncAsync?: (done: () => void) => void;

  constructor(
    private readonly service: string,
    private readonly s: Storage & { abandon(): void; onAsyncFailure?(handler: (err: NodeJS.ErrnoException) => void): void },
    private readonly onFailure: (err: NodeJS.ErrnoException) => void,
  ) {
    // A failed asynchronous fsync (FileStorage.syncAsync) reaches no caller: poison and report it the same way.
    s.onAsyncFailure?.((err) => {
      if (this.failed !== undefined) return;
      this.poison(err);
    });
    if (s.syncAsync !== undefined) {
      this.syncAsync = (done) => {
        this.check();
        try {
          s.syncAsync!(done);
        } catch (err) {
          this.failedWith(err);
        }
      };
    }
  }

  /** Refuses every call once the storage failed. */
  private check(): void {
    if (this.failed !== undefined) throw new StorageFailedError(this.service, this.failed);
  }

  /** A call threw: a disk error poisons the storage and is reported; any error is rethrown. */
  private failedWith(err: unknown): never {
    if (isDiskError(err)) this.poison(err);
    throw err;
  }

  private poison(err: NodeJS.ErrnoException): void {
    this.failed = err;
    try {
      this.s.abandon();
    } catch {
      // the files are being given up anyway
    }
    this.onFailure(err);
  }

  load<T = unknown>(key: string): T | undefined {
    this.check();
    try {
      return this.s.load<T>(key);
    } catch (err) {
      return this.failedWith(err);
    }
  }
  save(key: string, value: unknown): void {
    this.check();
    try {
      this.s.save(key, value);
    } catch (err) {
      this.failedWith(err);
    }
  }
  remove(key: string): void {
    this.check();
    try {
      this.s.remove(key);
    } catch (err) {
      this.failedWith(err);
    }
  }
  first(): number {
    this.check();
    return this.s.first();
  }
  last(): number {
    this.check();
    return this.s.last();
  }
  get<T = unknown>(i: number): T {
    this.check();
    return this.s.get<T>(i);
  }
  slice<T = unknown>(from: number, toExclusive: number): T[] {
    this.check();
    return this.s.slice<T>(from, toExclusive);
  }
  append(records: readonly unknown[]): void {
    this.check();
    try {
      this.s.append(records);
    } catch (err) {
      this.failedWith(err);
    }
  }
  truncateFrom(i: number): void {
    this.check();
    try {
      this.s.truncateFrom(i);
    } catch (err) {
      this.failedWith(err);
    }
  }
  compactTo(i: number): void {
    this.check();
    try {
      this.s.compactTo(i);
    } catch (err) {
      this.failedWith(err);
    }
  }
  sync(): void {
    this.check();
    try {
      this.s.sync();
    } catch (err) {
      this.failedWith(err);
    }
  }
  damage(): StorageDamage | undefined {
    this.check();
    return this.s.damage?.();
  }
}
