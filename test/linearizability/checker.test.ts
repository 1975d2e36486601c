import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { checkLinearizability, describeLinearizability } from '../../src/sim/checkers/linearizability/index.ts';
import { parseJsonLines, pairOperations, HistoryRecorder, type HistoryEvent } from '../../src/sim/history.ts';
import { hist, linearizableHistory, prng, staleRead } from './gen.ts';

const check = (h: HistoryEvent[]) => checkLinearizability(h);

describe('crafted valid histories', () => {
  it('sequential write then read', () => {
    const r = check(hist([
      [0, 'invoke', 'write', 'x', 1, 0], [0, 'ok', 'write', 'x', 1, 10],
      [1, 'invoke', 'read', 'x', null, 20], [1, 'ok', 'read', 'x', 1, 30],
    ]));
    expect(r.valid).toBe(true);
  });

  it('a read concurrent with a write may see either value', () => {
    for (const seen of [null, 1]) {
      const r = check(hist([
        [0, 'invoke', 'write', 'x', 1, 0], [0, 'ok', 'write', 'x', 1, 100],
        [1, 'invoke', 'read', 'x', null, 10], [1, 'ok', 'read', 'x', seen, 20],
      ]));
      expect(r.valid).toBe(true);
    }
  });

  it('an info write may take effect long after it was invoked', () => {
    const r = check(hist([
      [0, 'invoke', 'write', 'x', 1, 0], [0, 'info', 'write', 'x', 1, 5],
      [1, 'invoke', 'read', 'x', null, 10], [1, 'ok', 'read', 'x', null, 20],
      [1, 'invoke', 'read', 'x', null, 1000], [1, 'ok', 'read', 'x', 1, 1010],
    ]));
    expect(r.valid).toBe(true);
  });

  it('an info write may never take effect; a failed write never does', () => {
    const r = check(hist([
      [0, 'invoke', 'write', 'x', 1, 0], [0, 'info', 'write', 'x', 1, 5],
      [2, 'invoke', 'write', 'x', 2, 0], [2, 'fail', 'write', 'x', 2, 5],
      [1, 'invoke', 'read', 'x', null, 10], [1, 'ok', 'read', 'x', null, 20],
    ]));
    expect(r.valid).toBe(true);
  });

  it('an info cas chain feeding a read is kept (not pruned as unobservable)', () => {
    const r = check(hist([
      [0, 'invoke', 'write', 'x', 'a', 0], [0, 'info', 'write', 'x', 'a', 5],
      [1, 'invoke', 'cas', 'x', ['a', 'b'], 10], [1, 'info', 'cas', 'x', ['a', 'b'], 15],
      [2, 'invoke', 'read', 'x', null, 50], [2, 'ok', 'read', 'x', 'b', 60],
    ]));
    expect(r.valid).toBe(true);
  });

  it('an info write may land after a later ok write (the pre-check must not call that stale)', () => {
    const r = check(hist([
      [0, 'invoke', 'write', 'x', 1, 0], [0, 'info', 'write', 'x', 1, 5],
      [1, 'invoke', 'write', 'x', 2, 10], [1, 'ok', 'write', 'x', 2, 20],
      [2, 'invoke', 'read', 'x', null, 30], [2, 'ok', 'read', 'x', 1, 40],
    ]));
    expect(r.valid).toBe(true);
  });

  it('delete makes the key absent; keys are independent', () => {
    const r = check(hist([
      [0, 'invoke', 'write', 'x', 1, 0], [0, 'ok', 'write', 'x', 1, 10],
      [0, 'invoke', 'delete', 'x', null, 20], [0, 'ok', 'delete', 'x', null, 30],
      [1, 'invoke', 'write', 'y', 1, 0], [1, 'ok', 'write', 'y', 1, 10],
      [2, 'invoke', 'read', 'x', null, 40], [2, 'ok', 'read', 'x', null, 50],
      [2, 'invoke', 'read', 'y', null, 60], [2, 'ok', 'read', 'y', 1, 70],
    ]));
    expect(r.valid).toBe(true);
    expect(r.keys.map((k) => k.key)).toEqual(['x', 'y']);
  });
});

describe('crafted non-linearizable histories fail with a small counterexample', () => {
  it('stale read', () => {
    const r = check(hist([
      [0, 'invoke', 'write', 'x', 1, 0], [0, 'ok', 'write', 'x', 1, 10],
      [0, 'invoke', 'write', 'x', 2, 20], [0, 'ok', 'write', 'x', 2, 30],
      [1, 'invoke', 'read', 'x', null, 40], [1, 'ok', 'read', 'x', 1, 50],
    ]));
    expect(r.valid).toBe(false);
    const ce = r.counterexample!;
    expect(ce.key).toBe('x');
    // write(2) began after write(1) returned and returned before the read of 1 began.
    expect(ce.ops.map((o) => `${o.f}:${JSON.stringify(o.f === 'read' ? o.output : o.input)}`)).toEqual(['write:1', 'write:2', 'read:1']);
    expect(describeLinearizability(r)).toMatch(/NOT LINEARIZABLE[\s\S]*cannot be ordered/);
  });

  it('read from the future', () => {
    const r = check(hist([
      [1, 'invoke', 'read', 'x', null, 0], [1, 'ok', 'read', 'x', 1, 10],
      [0, 'invoke', 'write', 'x', 1, 20], [0, 'ok', 'write', 'x', 1, 30],
    ]));
    expect(r.valid).toBe(false);
    expect(r.counterexample!.ops.map((o) => o.f)).toEqual(['read', 'write']);
  });

  it('lost write', () => {
    const r = check(hist([
      [0, 'invoke', 'write', 'x', 1, 0], [0, 'ok', 'write', 'x', 1, 10],
      [1, 'invoke', 'read', 'x', null, 20], [1, 'ok', 'read', 'x', null, 30],
    ]));
    expect(r.valid).toBe(false);
    expect(r.counterexample!.ops).toHaveLength(2);
  });

  it('cas anomaly: two successful cas from the same expected value', () => {
    const r = check(hist([
      [0, 'invoke', 'write', 'x', 1, 0], [0, 'ok', 'write', 'x', 1, 10],
      [1, 'invoke', 'cas', 'x', [1, 2], 20], [1, 'ok', 'cas', 'x', [1, 2], 30],
      [2, 'invoke', 'cas', 'x', [1, 3], 40], [2, 'ok', 'cas', 'x', [1, 3], 50],
    ]));
    expect(r.valid).toBe(false);
    expect(r.counterexample!.ops.filter((o) => o.f === 'cas')).toHaveLength(2);
  });

  it('reads going back in time across processes (decided by the search, not the quick check)', () => {
    const r = check(hist([
      [0, 'invoke', 'write', 'x', 1, 0], [0, 'ok', 'write', 'x', 1, 100],
      [1, 'invoke', 'read', 'x', null, 10], [1, 'ok', 'read', 'x', 1, 20],
      [2, 'invoke', 'read', 'x', null, 30], [2, 'ok', 'read', 'x', null, 40],
    ]));
    expect(r.valid).toBe(false);
    expect(r.counterexample!.ops).toHaveLength(3);
    expect(r.keys[0]!.steps).toBeGreaterThan(0);
  });

  it('the counterexample is cut to a window of a long history', () => {
    const ok = linearizableHistory(prng(7), { ops: 2000, processes: 5, keys: 1, spread: 50, infoRate: 0 });
    const end = ok[ok.length - 1]!.time;
    // Append: write a fresh value, then (after it completed) read a value from before it.
    const bad = hist([
      [100, 'invoke', 'write', 'k0', 'fresh', end + 10], [100, 'ok', 'write', 'k0', 'fresh', end + 20],
      [101, 'invoke', 'read', 'k0', null, end + 30], [101, 'ok', 'read', 'k0', 'never-written', end + 40],
    ]);
    const r = check([...ok, ...bad]);
    expect(r.valid).toBe(false);
    expect(r.counterexample!.ops.length).toBeLessThanOrEqual(3);
    expect(r.counterexample!.ops.some((o) => o.output === 'never-written')).toBe(true);
  });
});

describe('history contract', () => {
  it('round-trips through JSON lines and pairs ops; open ops become info', () => {
    const rec = new HistoryRecorder();
    rec.invoke(0, 'write', 'x', 'a', 1);
    rec.invoke(1, 'cas', 'x', ['a', 'b'], 2);
    rec.complete(0, 'ok', 3);
    const parsed = parseJsonLines(rec.toJsonLines());
    expect(parsed).toEqual(rec.events());
    const ops = pairOperations(parsed);
    expect(ops[0]).toMatchObject({ process: 0, f: 'write', status: 'ok', invokeTime: 1, completeTime: 3 });
    expect(ops[1]).toMatchObject({ process: 1, f: 'cas', status: 'info', completeTime: Infinity });
    expect(() => rec.invoke(0, 'read', 'x', null, 1)).toThrow(); // time went backwards
    rec.complete(1, 'info', 4);
    expect(() => rec.invoke(1, 'read', 'x', null, 5)).toThrow(/after an info/);
  });
});

describe('properties', () => {
  it('histories generated from a sequential execution with random overlap are linearizable', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 200 }),
        fc.constantFrom(0, 0.05, 0.2),
        (seed, processes, keys, spread, infoRate) => {
          const h = linearizableHistory(prng(seed), { ops: 150, processes, keys, spread, infoRate });
          const r = checkLinearizability(h);
          if (r.valid !== true) throw new Error(describeLinearizability(r));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('corrupting one read to a never-written value is always caught', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 1, max: 6 }), (seed, processes) => {
        const h = linearizableHistory(prng(seed), { ops: 120, processes, keys: 2, spread: 40, infoRate: 0.05 });
        const reads = h.map((e, i) => (e.type === 'ok' && e.f === 'read' ? i : -1)).filter((i) => i >= 0);
        fc.pre(reads.length > 0);
        const at = reads[seed % reads.length]!;
        const bad = h.map((e, i) => (i === at ? { ...e, value: 'corrupt' } : e));
        for (const quickCheck of [true, false]) {
          const r = checkLinearizability(bad, { quickCheck });
          expect(r.valid).toBe(false);
          expect(r.counterexample!.ops.some((o) => o.output === 'corrupt')).toBe(true);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('a stale read planted in a concurrent history is always caught', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 2, max: 8 }), (seed, processes) => {
        const h = linearizableHistory(prng(seed), { ops: 200, processes, keys: 2, spread: 30, infoRate: 0.05 });
        const bad = staleRead(h, seed % 100);
        fc.pre(bad !== undefined);
        const r = checkLinearizability(bad);
        expect(r.valid).toBe(false);
        expect(r.counterexample!.ops.length).toBeLessThanOrEqual(3);
        // The exact search and the shrinking reach the same verdict without the shortcut.
        const slow = checkLinearizability(bad, { quickCheck: false });
        expect(slow.valid).toBe(false);
        // Greedy shrinking is 1-minimal under its no-fabricated-read rule (minimize.ts), not a
        // global minimum: seed 87767494 with 8 processes keeps 8 ops (3 deletes, a cas and a
        // write that the kept reads depend on), so 6 was a hope, not a bound.
        expect(slow.counterexample!.ops.length).toBeLessThanOrEqual(8);
      }),
      { numRuns: 100 },
    );
  });

  it('decides a 10,000-op history of 10 clients', () => {
    const h = linearizableHistory(prng(42), { ops: 10_000, processes: 10, keys: 5, spread: 100, infoRate: 0.02 });
    const r = checkLinearizability(h);
    expect(r.valid).toBe(true);
    expect(r.opCount).toBe(10_000);
  });
});
