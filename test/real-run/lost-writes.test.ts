/**
 * The lost-write check of real runs (src/real-run/lost-writes.ts) on small hand-made histories:
 * it passes what a correct store may end with and fires on what it may not.
 */
import { describe, expect, it } from 'vitest';
import { pairOperations, type HistoryEvent } from '../../src/sim/history.ts';
import { findLostWrites } from '../../src/real-run/lost-writes.ts';

/** [process, f, key, input, invoke time, outcome, complete time] */
type Row = [number, string, string, unknown, number, 'ok' | 'fail' | 'info', number];

function ops(rows: Row[]) {
  const ev: HistoryEvent[] = [];
  for (const [i, [, f, key, v, t1, type, t2]] of rows.entries()) {
    const p = i + 1; // one process per operation (a process has one op open at a time)
    ev.push({ process: p, type: 'invoke', f, key, value: v, time: t1 });
    ev.push({ process: p, type, f, key, value: v, time: t2 });
  }
  return pairOperations(ev.sort((a, b) => a.time - b.time));
}

const finals = (m: Record<string, string | null | undefined>) => new Map(Object.entries(m));

describe('findLostWrites', () => {
  const h = ops([
    [1, 'write', 'a', 'v1', 0, 'ok', 10],
    [2, 'write', 'a', 'v2', 20, 'ok', 30], // invoked after v1 completed: v1 is superseded
    [1, 'cas', 'b', [null, 'w1'], 0, 'ok', 10],
    [2, 'write', 'b', 'w2', 5, 'ok', 15], // concurrent with w1: either may be last
    [3, 'write', 'c', 'x1', 0, 'fail', 10],
    [4, 'write', 'd', 'y1', 0, 'ok', 10],
    [5, 'write', 'd', 'y2', 20, 'info', 30],
    [6, 'delete', 'e', null, 0, 'ok', 10],
  ]);

  it('accepts the last acknowledged value, either of two concurrent ones, an indeterminate write, absent keys', () => {
    const r = findLostWrites(h, finals({ a: 'v2', b: 'w1', c: null, d: 'y2', e: null }));
    expect(r.lost).toBe(0);
    expect(r.acknowledged).toBe(6);
    expect(findLostWrites(h, finals({ a: 'v2', b: 'w2', c: null, d: 'y1', e: null })).lost).toBe(0);
  });

  it('fires on a superseded value, an absent key after an acknowledged write, a failed write applied, an unreadable key', () => {
    expect(findLostWrites(h, finals({ a: 'v1' })).lostKeys.map((k) => k.key)).toEqual(['a']);
    const r = findLostWrites(h, finals({ a: null, b: null, c: 'x1', d: undefined }));
    expect(r.lostKeys.map((k) => k.key)).toEqual(['a', 'b', 'c', 'd']);
    expect(r.lost).toBe(1 + 2 + 0 + 1);
    expect(r.unread).toEqual(['d']);
  });
});
