/**
 * A failed asynchronous fsync of the Raft log (FileStorage.syncAsync runs it on the thread pool,
 * where no caller can catch it) stops the agent the way a failed write does
 * (src/hanode/storage-failure.ts): reported once, the storage poisoned, the waiting caller never
 * told its writes are durable.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';

const failFsync = { on: false };
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  // The log is made durable with fdatasync, state values (the acked mark) with fsync: both fail.
  const failing =
    (real: (fd: number, cb: (err: NodeJS.ErrnoException | null) => void) => void, syscall: string) =>
    (fd: number, cb: (err: NodeJS.ErrnoException | null) => void) => {
      if (!failFsync.on) return real(fd, cb);
      const err: NodeJS.ErrnoException = Object.assign(new Error(`EIO: i/o error, ${syscall}`), { code: 'EIO', syscall, errno: -5 });
      setImmediate(() => cb(err));
    };
  const fsync = failing(fs.fsync, 'fsync');
  const fdatasync = failing(fs.fdatasync, 'fdatasync');
  return { ...fs, default: { ...fs, fsync, fdatasync }, fsync, fdatasync };
});

const { FileStorage } = await import('../../src/net-real/file-storage.ts');
const { guardStorage, StorageFailedError } = await import('../../src/hanode/storage-failure.ts');

describe('a failed asynchronous fsync', () => {
  const dirs: string[] = [];
  afterEach(() => {
    failFsync.on = false;
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('is reported once, never acknowledged, and poisons the storage', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hanode-async-fail-'));
    dirs.push(dir);
    const failures: NodeJS.ErrnoException[] = [];
    const s = guardStorage('raft', FileStorage.open(dir), (err) => failures.push(err));
    s.append(['a']);
    let durable = 0;
    await new Promise<void>((resolve) => s.syncAsync!(() => (durable++, resolve())));
    expect(durable).toBe(1);

    failFsync.on = true;
    s.append(['b']);
    s.syncAsync!(() => durable++);
    for (let i = 0; i < 200 && failures.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(failures.map((e) => e.code)).toEqual(['EIO']);
    await new Promise((r) => setTimeout(r, 50));
    expect(durable).toBe(1); // the second write was never reported durable
    expect(() => s.append(['c'])).toThrow(StorageFailedError);
  });

  it('a failed fsync of a state value written asynchronously (the acked mark) is reported the same way', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hanode-async-fail-'));
    dirs.push(dir);
    const failures: NodeJS.ErrnoException[] = [];
    const s = guardStorage('raft', FileStorage.open(dir), (err) => failures.push(err));
    s.append(['a']);
    s.sync();
    failFsync.on = true;
    s.save('mark', 1); // no log bytes: only the state batch's fsyncs run
    let durable = 0;
    s.syncAsync!(() => durable++);
    for (let i = 0; i < 200 && failures.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(failures.map((e) => e.code)).toEqual(['EIO']);
    await new Promise((r) => setTimeout(r, 50));
    expect(durable).toBe(0);
    expect(() => s.save('mark', 2)).toThrow(StorageFailedError);
  });
});
