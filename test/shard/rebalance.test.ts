/**
 * Rebalancing: a data group joins a running store; the old groups hand it the keys it now
 * owns (about 1/n of them), no acknowledged write is lost, and no key is served by two groups.
 */
import { describe, expect, it } from 'vitest';
import { sec } from '../../src/core/env.ts';
import { GROUPS, LATE_GROUPS, SETTLE, WRITE_EVERY, lostWrites, shardCluster } from './harness.ts';

function rebalance(seed: number, crashSourcePrimary: boolean) {
  const c = shardCluster(seed, sec(4), 'fake', true);
  c.world.run(SETTLE);
  expect(c.master()!.ringState().groups).toEqual(['g1', 'g2']);
  c.workload(SETTLE, sec(45), WRITE_EVERY);
  c.world.run(sec(25));
  const before = c.acked.size;
  for (const n of LATE_GROUPS.g3!) c.world.inject({ kind: 'restart', node: n });
  if (crashSourcePrimary) {
    c.world.at(sec(25.3), () => { const p = c.primaryOf('g1'); if (p) c.world.inject({ kind: 'crash', node: p, for: sec(6) }); });
  }
  const done = c.world.runUntil(() => {
    const r = c.master()?.ringState();
    return r !== undefined && r.groups.includes('g3') && r.adding === null;
  }, sec(60));
  expect(done).toBe(true);
  c.world.run(sec(55));
  c.client()!.refreshRoutes();
  c.world.run(sec(56));
  const movedKeys = [...GROUPS.g1!, ...GROUPS.g2!].reduce((n, d) => n + (c.data(d)?.handedOver() ?? 0), 0);
  const onG3 = [...c.acked.keys()].filter((k) => c.client()!.groupOf(k) === 'g3').length;
  return { c, before, movedKeys, onG3 };
}

describe('rebalancing when a group joins', () => {
  it('hands about 1/3 of the keys to the new group and loses no acknowledged write', () => {
    const { c, before, movedKeys, onG3 } = rebalance(41, false);
    const share = onG3 / c.acked.size;
    console.log(`keys acked before the join ${before}, total ${c.acked.size}; handed over ${movedKeys}; now owned by g3: ${onG3} (${(share * 100).toFixed(1)}%, ideal 33.3%)`);
    expect(movedKeys).toBeGreaterThan(0);
    expect(share).toBeGreaterThan(0.15);
    expect(share).toBeLessThan(0.5);
    expect(lostWrites(c)).toEqual([]);
    // writes keep flowing to all three groups after the hand-over
    const g3Primary = c.primaryOf('g3')!;
    expect(c.data(g3Primary)!.keys()).toBeGreaterThanOrEqual(onG3);
  });

  it('survives the crash of a source primary in the middle of the hand-over', () => {
    for (const seed of [42, 43]) {
      const { c } = rebalance(seed, true);
      expect(lostWrites(c), `seed ${seed}`).toEqual([]);
    }
  });
});

import fc from 'fast-check';
import { SERVERS } from './harness.ts';

describe('successive joins', () => {
  it('a second join never hands over the stale copies the first one left behind', () => {
    const c = shardCluster(44, sec(4), 'fake', true);
    c.world.run(SETTLE);
    c.workload(SETTLE, sec(60), WRITE_EVERY);
    c.world.run(sec(20));
    for (const n of LATE_GROUPS.g3!) c.world.inject({ kind: 'restart', node: n });
    c.world.run(sec(25));
    // rewrite old keys: those that moved to g3 get newer values there, g1/g2 keep stale copies
    let i = 0;
    const rewrite = () => {
      if (c.world.now() > sec(33) || !c.acked.has(`k${i}`)) return;
      const k = `k${i++}`;
      const v = `r-${k}`;
      c.client()!.put(k, v, (res) => { if (res.ok) c.acked.set(k, v); });
      c.world.after(WRITE_EVERY, rewrite);
    };
    rewrite();
    c.world.run(sec(35));
    for (const n of LATE_GROUPS.g4!) c.world.inject({ kind: 'restart', node: n });
    c.world.run(sec(70));
    c.client()!.refreshRoutes();
    c.world.run(sec(71));
    const r = c.master()!.ringState();
    expect(r.groups).toEqual(['g1', 'g2', 'g3', 'g4']);
    const rewritten = [...c.acked].filter(([, v]) => v.startsWith('r-')).map(([k]) => k);
    expect(rewritten.length).toBeGreaterThan(100);
    expect(rewritten.filter((k) => c.client()!.groupOf(k) === 'g4').length).toBeGreaterThan(10);
    expect(r.adding).toBeNull();
    expect(lostWrites(c)).toEqual([]);
  });
});

describe('rebalancing under random crashes', () => {
  it('property: a group joining while servers and data nodes crash loses no acknowledged write', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 1_000_000 }),
      fc.integer({ min: 14, max: 30 }),
      fc.array(fc.record({ at: fc.integer({ min: 14, max: 35 }), node: fc.constantFrom(...SERVERS, ...GROUPS.g1!, ...GROUPS.g2!, ...LATE_GROUPS.g3!), down: fc.integer({ min: 1, max: 8 }) }), { maxLength: 4 }),
      (seed, joinAt, crashes) => {
        const c = shardCluster(seed, sec(4), 'fake', true);
        c.world.run(SETTLE);
        c.workload(SETTLE, sec(40), WRITE_EVERY);
        c.world.at(sec(joinAt), () => { for (const n of LATE_GROUPS.g3!) if (!c.world.isUp(n)) c.world.inject({ kind: 'restart', node: n }); });
        for (const x of crashes) c.world.at(sec(x.at), () => { if (c.world.isUp(x.node)) c.world.inject({ kind: 'crash', node: x.node, for: sec(x.down) }); });
        c.world.run(sec(75));
        c.client()!.refreshRoutes();
        c.world.run(sec(76));
        const r = c.master()!.ringState();
        expect(r.groups, `seed ${seed}`).toEqual(['g1', 'g2', 'g3']);
        expect(r.adding, `seed ${seed}`).toBeNull();
        expect(lostWrites(c), `seed ${seed}`).toEqual([]);
      },
    ), { numRuns: 30 });
  });
});
