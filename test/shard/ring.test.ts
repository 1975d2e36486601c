import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { crc32, fmix32 } from '../../src/core/shard/crc32.ts';
import { HashRing, DEFAULT_VNODES } from '../../src/core/shard/ring.ts';
import { balanceOf, movedFraction, sampleKeys } from '../../src/core/shard/balance.ts';

describe('crc32', () => {
  it('matches the IEEE check value and zlib on arbitrary strings', () => {
    expect(crc32('123456789')).toBe(0xcbf43926);
    expect(crc32('')).toBe(0);
    fc.assert(fc.property(fc.string({ unit: 'grapheme' }), (s) => {
      expect(crc32(s)).toBe(zlibCrc32(Buffer.from(s, 'utf8')) >>> 0);
    }), { numRuns: 500 });
  });
  it('fmix32 is a bijection on a sample (no collisions)', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 100_000; i++) seen.add(fmix32(i));
    expect(seen.size).toBe(100_000);
  });
});

describe('hash ring', () => {
  const groups = (n: number) => Array.from({ length: n }, (_, i) => `g${i}`);

  it('every key maps to a member group, deterministically and independent of insertion order', () => {
    const a = new HashRing(['x', 'y', 'z']);
    const b = new HashRing(['z', 'x']);
    b.add('y');
    for (const k of sampleKeys(2000)) {
      expect(['x', 'y', 'z']).toContain(a.lookup(k));
      expect(b.lookup(k)).toBe(a.lookup(k));
    }
    expect(new HashRing([]).lookup('k')).toBeUndefined();
  });

  it('shares sum to 1 and the default vnodes balance far better than the seed\'s 2', () => {
    const r = new HashRing(groups(8));
    const total = [...r.shares().values()].reduce((x, y) => x + y, 0);
    expect(total).toBeCloseTo(1, 9);
    const good = balanceOf(r);
    const seed = balanceOf(new HashRing(groups(8), { vnodes: 2, hash: 'crc32' }));
    expect(r.vnodes).toBe(DEFAULT_VNODES);
    expect(good.maxOverMean).toBeLessThan(1.3);
    expect(seed.maxOverMean).toBeGreaterThan(2 * good.maxOverMean);
  });

  it('adding a group moves only keys to the new group, about 1/n of them', () => {
    const keys = sampleKeys(20_000);
    for (const n of [4, 8]) {
      const before = new HashRing(groups(n));
      const after = new HashRing(groups(n + 1));
      for (const k of keys) {
        const b = before.lookup(k);
        const a = after.lookup(k);
        if (a !== b) expect(a).toBe(`g${n}`); // monotone: keys only move to the newcomer
      }
      const moved = movedFraction(before, after, keys);
      expect(moved).toBeGreaterThan(0.5 / (n + 1));
      expect(moved).toBeLessThan(1.6 / (n + 1));
    }
  });

  it('removing a group moves only that group\'s keys', () => {
    const before = new HashRing(groups(6));
    const after = new HashRing(groups(6));
    after.remove('g3');
    for (const k of sampleKeys(5000)) {
      if (before.lookup(k) !== 'g3') expect(after.lookup(k)).toBe(before.lookup(k));
      else expect(after.lookup(k)).not.toBe('g3');
    }
  });
});
