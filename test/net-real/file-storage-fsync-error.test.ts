/**
 * A failed asynchronous fsync (FileStorage.syncAsync) with onFsyncError: the callback hears the
 * error and the storage's directory, and the waiting caller is never told its writes are durable
 * (hanode then logs one ERROR line and exits 74: src/hanode/storage-failure.ts). node:fs fsync
 * is replaced for the test so it can fail with EIO on demand.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';

const failing = vi.hoisted(() => ({ on: false }));
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const fsync = (fd: number, cb: (err: NodeJS.ErrnoException | null) => void) => {
    if (!failing.on) return fs.fsync(fd, cb);
    setImmediate(() => cb(Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO', syscall: 'fsync' })));
  };
  return { ...fs, default: { ...fs, fsync }, fsync };
});

const { FileStorage } = await import('../../src/net-real/file-storage.ts');
const root = mkdtempSync(join(tmpdir(), 'fsync-error-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('FileStorage.syncAsync when the fsync fails', () => {
  it('reports the error through onFsyncError and never acknowledges', async () => {
    const seen: { code: string | undefined; dir: string }[] = [];
    const dir = join(root, 'raft');
    const st = FileStorage.open(dir, { onFsyncError: (err, d) => seen.push({ code: err.code, dir: d }) });
    st.append([{ index: 1 }]);
    await new Promise<void>((r) => st.syncAsync(r)); // a healthy fsync first
    failing.on = true;
    st.append([{ index: 2 }]);
    let acked = false;
    st.syncAsync(() => (acked = true));
    for (let i = 0; i < 100 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(seen).toEqual([{ code: 'EIO', dir }]);
    await new Promise((r) => setTimeout(r, 50));
    expect(acked).toBe(false);
    failing.on = false;
    st.abandon();
  });
});
