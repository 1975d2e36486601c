/**
 * FileStorage.syncAsync: the fsync runs on libuv's thread pool, appends made meanwhile share the
 * next fsync (group commit), callers are told in order and never inside the call, and what a
 * caller was told is durable survives the process.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { FileStorage } from '../../src/net-real/file-storage.ts';
import { freshDir, removeDirs } from './tmp-dir.ts';

afterAll(removeDirs);

/** Resolves once `pred` holds, polling the event loop (bounded: 10,000 turns of 1 ms). */
async function until(pred: () => boolean): Promise<void> {
  for (let k = 0; k < 10_000 && !pred(); k++) await new Promise((r) => setTimeout(r, 1));
  expect(pred()).toBe(true);
}

describe('FileStorage.syncAsync', () => {
  it('tells its callers in order, never inside the call, and what they were told survives the process', async () => {
    const dir = freshDir();
    const s = FileStorage.open(dir);
    s.append(['a']);
    s.sync(); // the segment exists: later appends take the asynchronous path
    const told: number[] = [];
    for (let i = 0; i < 50; i++) {
      s.append([`r${i}`]);
      s.syncAsync!(() => told.push(i));
    }
    expect(told).toEqual([]);
    await until(() => told.length === 50);
    expect(told).toEqual(Array.from({ length: 50 }, (_, i) => i));
    // Group commit: 50 callers, fewer fsyncs (the first runs while the others append).
    expect(s.stats.fsyncs).toBeLessThan(50);
    s.abandon(); // a crash: nothing more is written or fsynced
    const r = FileStorage.open(dir);
    expect(r.last()).toBe(51);
    expect(r.get(51)).toBe('r49');
    r.close();
  });

  it('a truncation, a state value or a new segment take the synchronous path, which covers earlier async writes', async () => {
    const dir = freshDir();
    const s = FileStorage.open(dir, { segmentBytes: 200 });
    s.append(['a', 'b', 'c']);
    s.sync();
    const told: string[] = [];
    s.append(['d']);
    s.syncAsync!(() => told.push('d'));
    s.truncateFrom(3);
    s.append(['C', 'D']);
    s.save('hs', { term: 2 });
    s.syncAsync!(() => told.push('CD'));
    for (let i = 0; i < 20; i++) s.append([`x${i}`.padEnd(30, '.')]); // rolls segments
    s.syncAsync!(() => told.push('x'));
    expect(told).toEqual([]);
    await until(() => told.length === 3);
    expect(told).toEqual(['d', 'CD', 'x']);
    s.abandon();
    const r = FileStorage.open(dir);
    expect(r.slice(1, 5)).toEqual(['a', 'b', 'C', 'D']);
    expect(r.last()).toBe(24);
    expect(r.load('hs')).toEqual({ term: 2 });
    r.close();
  });

  it('a caller with nothing new to write is told on a later turn', async () => {
    const s = FileStorage.open(freshDir());
    let told = false;
    s.syncAsync!(() => (told = true));
    expect(told).toBe(false);
    await until(() => told);
    s.close();
  });
});
