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
  const fsync = (fd: number, cb: (err: NodeJS.ErrnoException | null) => void) => {
    if (!failFsync.on) return fs.fsync(fd, cb);
    const err: NodeJS.ErrnoException = Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO', syscall: 'fsync', errno: -5 });
    setImmediate(() => cb(err));
  };
  return { ...fs, default: { ...fs, fsync }, fsync };
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
});
