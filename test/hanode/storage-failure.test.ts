/** guardStorage (src/hanode/storage-failure.ts) on its own: a disk error is reported once and poisons the storage; other errors pass through. */
import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../../src/host/memory-storage.ts';
import { guardStorage, StorageFailedError } from '../../src/hanode/storage-failure.ts';

function failing(code: string | undefined) {
  const st = Object.assign(new MemoryStorage(), { abandoned: 0, abandon() { this.abandoned++; } });
  let fail = false;
  const sync = st.sync.bind(st);
  st.sync = () => {
    if (fail) throw Object.assign(new Error(`${code ?? 'plain'} failure`), code ? { code, syscall: 'fsync' } : {});
    sync();
  };
  return { st, arm: () => (fail = true) };
}

describe('guardStorage', () => {
  it('reports the first ENOSPC once, abandons the storage and refuses every later call', () => {
    const { st, arm } = failing('ENOSPC');
    const seen: string[] = [];
    const g = guardStorage('raft', st, (e) => seen.push(String(e.code)));
    g.append([{ index: 1 }]);
    g.sync();
    arm();
    g.append([{ index: 2 }]);
    expect(() => g.sync()).toThrow(/ENOSPC failure/);
    expect(() => g.sync()).toThrow(StorageFailedError);
    expect(() => g.load('hs')).toThrow(StorageFailedError);
    expect(seen).toEqual(['ENOSPC']);
    expect(st.abandoned).toBe(1);
  });

  it('an error that is not the disk\'s (a bug) passes through and does not poison', () => {
    const { st, arm } = failing(undefined);
    const seen: string[] = [];
    const g = guardStorage('raft', st, (e) => seen.push(String(e.code)));
    arm();
    expect(() => g.sync()).toThrow(/plain failure/);
    expect(seen).toEqual([]);
    expect(() => g.load('hs')).not.toThrow();
  });
});
