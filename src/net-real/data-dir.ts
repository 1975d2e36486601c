/**
 * A node's data directory: the lock, and one FileStorage per service (`<dir>/<service>/`).
 */
import { join } from 'node:path';
import { assert } from '../core/env.ts';
import { lockDataDir, type DataDirLock } from './data-dir-lock.ts';
import { FileStorage, type FileStorageOptions } from './file-storage.ts';
import { ensureDirDurable } from './fs-util.ts';

export class DataDir {
  private readonly storages = new Map<string, FileStorage>();
  private closed = false;

  private constructor(
    readonly path: string,
    readonly lock: DataDirLock,
    private readonly opts: FileStorageOptions,
  ) {}

  /** Creates the directory if needed and takes its lock (throws DataDirLockedError if held). */
  static open(path: string, opts: FileStorageOptions = {}): DataDir {
    ensureDirDurable(path);
    return new DataDir(path, lockDataDir(path), opts);
  }

  /** The storage of a service, opened (and recovered) on first use. */
  storage(service: string): FileStorage {
    assert(!this.closed, 'DataDir used after close()');
    assert(/^[A-Za-z0-9_-]{1,64}$/.test(service), () => `service name ${JSON.stringify(service)} is not a safe directory name`);
    let s = this.storages.get(service);
    if (s === undefined) {
      s = FileStorage.open(join(this.path, service), this.opts);
      this.storages.set(service, s);
    }
    return s;
  }

  /** Syncs and closes every storage, then releases the lock. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      for (const s of this.storages.values()) s.close();
    } finally {
      this.lock.release();
    }
  }
}
