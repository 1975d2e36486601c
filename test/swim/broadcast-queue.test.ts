/**
 * The transmit-limited queue against a simple model: every update is sent at most `limit`
 * times, the least-sent go first (newest first among equals), packets stay within budget,
 * a key's newer value replaces its older one, and the queue stays within its bound.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BroadcastQueue } from '../../src/core/swim/index.ts';

describe('BroadcastQueue', () => {
  it('sends newest first, each at most limit times', () => {
    const q = new BroadcastQueue<string>(100);
    q.push('a', 'a1', 10);
    q.push('b', 'b1', 10);
    q.push('c', 'c1', 10);
    const out: string[] = [];
    q.take(25, 2, out);
    expect(out).toEqual(['c1', 'b1']);
    out.length = 0;
    q.take(25, 2, out);
    expect(out).toEqual(['a1', 'c1']); // a1 was never sent: it goes before the twice-offered ones
    out.length = 0;
    q.take(1000, 2, out);
    expect(out.sort()).toEqual(['a1', 'b1']);
    out.length = 0;
    q.take(1000, 2, out);
    expect(out).toEqual([]);
    expect(q.length).toBe(0);
  });

  it('a newer value replaces the older one with the same key', () => {
    const q = new BroadcastQueue<string>(100);
    q.push('a', 'old', 10);
    q.push('a', 'new', 10);
    const out: string[] = [];
    q.take(1000, 3, out);
    expect(out).toEqual(['new']);
  });

  it('model: budget, limit, fewest-sent-first and bound hold for any sequence', () => {
    const op = fc.oneof(
      fc.record({ k: fc.constant('push' as const), key: fc.integer({ min: 0, max: 12 }), size: fc.integer({ min: 14, max: 60 }) }),
      fc.record({ k: fc.constant('take' as const), budget: fc.integer({ min: 0, max: 200 }), limit: fc.integer({ min: 1, max: 4 }) }),
      fc.record({ k: fc.constant('remove' as const), key: fc.integer({ min: 0, max: 12 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 120 }), (ops) => {
        const bound = 8;
        const q = new BroadcastQueue<{ key: number; ver: number }>(bound);
        const sent = new Map<string, number>(); // "key/ver" -> times sent
        const sizes = new Map<string, number>();
        let ver = 0;
        for (const o of ops) {
          if (o.k === 'push') {
            ver++;
            q.push(String(o.key), { key: o.key, ver }, o.size);
            sizes.set(`${o.key}/${ver}`, o.size);
          } else if (o.k === 'remove') {
            q.remove(String(o.key));
          } else {
            const out: { key: number; ver: number }[] = [];
            const used = q.take(o.budget, o.limit, out);
            let total = 0;
            const keys = new Set<number>();
            for (const u of out) {
              const id = `${u.key}/${u.ver}`;
              total += sizes.get(id)!;
              sent.set(id, (sent.get(id) ?? 0) + 1);
              if ((sent.get(id) ?? 0) > 4) return false; // never beyond the largest limit used
              if (keys.has(u.key)) return false; // one value per key per packet
              keys.add(u.key);
            }
            if (total !== used || used > o.budget) return false;
          }
          if (q.length > bound) return false;
        }
        return true;
      }),
      { numRuns: 300 },
    );
  });
});
