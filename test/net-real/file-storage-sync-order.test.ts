/**
 * FileStorage.sync() writes the named values before the compaction point: a process killed
 * between the two (here: the write of a value fails, as a kill mid-sync would stop it) leaves the
 * values a compaction depends on (Raft's log base, a snapshot) at or ahead of the log's start,
 * which RaftLog recovers from, never behind it (a gap it refuses to start with).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';

const failState = { on: false };
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const openSync = ((path: string, ...rest: unknown[]) => {
    if (failState.on && String(path).endsWith('.tmp-k-base')) throw Object.assign(new Error('killed mid-sync'), { code: 'EIO' });
    return (fs.openSync as (...a: unknown[]) => number)(path, ...rest);
  }) as typeof fs.openSync;
  return { ...fs, default: { ...fs, openSync }, openSync };
});

const { FileStorage } = await import('../../src/net-real/file-storage.ts');

describe('FileStorage.sync order', () => {
  const dirs: string[] = [];
  afterEach(() => {
    failState.on = false;
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('a sync stopped before its values are written leaves the compaction point where it was', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hanode-sync-order-'));
    dirs.push(dir);
    const s = FileStorage.open(dir);
    s.append(['a', 'b', 'c', 'd']);
    s.save('base', 0);
    s.sync();
    // A compaction to 2 with its base, in one batch, as RaftLog.compactTo does.
    s.save('base', 2);
    s.compactTo(2);
    failState.on = true;
    expect(() => s.sync()).toThrow('killed mid-sync');
    failState.on = false;
    s.abandon();
    const r = FileStorage.open(dir);
    // The base saved is never behind the log's start: first - 1 <= base.
    expect(r.first() - 1).toBeLessThanOrEqual(r.load<number>('base')!);
    expect(r.slice(r.first(), r.last() + 1)).toEqual(['a', 'b', 'c', 'd'].slice(r.first() - 1));
    r.close();
  });
});
