import { describe, expect, it } from 'vitest';
import { sec } from '../../src/core/env.ts';
import { GROUPS, SETTLE, WRITE_EVERY, lostWrites, shardCluster } from './harness.ts';

describe('sharded store in the simulator', () => {
  it('settles: a master, one primary per group, standbys synced', () => {
    const c = shardCluster(1);
    c.world.run(SETTLE);
    const m = c.master();
    expect(m).toBeDefined();
    const cfgs = m!.configs();
    expect(cfgs.map((x) => x.group)).toEqual(['g1', 'g2']);
    for (const cfg of cfgs) {
      expect(cfg.primary).toBeDefined();
      expect(cfg.standbys.length).toBe(GROUPS[cfg.group]!.length - 1);
      expect(cfg.syncing).toEqual([]);
    }
  });

  it('primary failure promotes a standby with no acknowledged write lost', () => {
    const c = shardCluster(2);
    c.world.run(SETTLE);
    c.workload(SETTLE, sec(30), WRITE_EVERY);
    c.world.run(sec(15));
    const old = c.primaryOf('g1')!;
    c.world.inject({ kind: 'crash', node: old });
    c.world.run(sec(40));
    const now = c.primaryOf('g1')!;
    expect(now).toBeDefined();
    expect(now).not.toBe(old);
    expect(c.master()!.changes.some((x) => x.kind === 'primary' && x.promoted && x.group === 'g1')).toBe(true);
    expect(c.acked.size).toBeGreaterThan(500);
    console.log(`acked ${c.acked.size}, failed/unknown ${c.failedPuts}, g1 primary ${old} -> ${now}`);
    expect(lostWrites(c)).toEqual([]);
  });

  it('a primary cut off from its standbys acknowledges nothing, so its crash loses no acknowledged write', () => {
    for (const seed of [5, 6, 7]) {
      const c = shardCluster(seed);
      c.world.run(SETTLE);
      c.workload(SETTLE, sec(30), WRITE_EVERY);
      c.world.run(sec(15));
      const old = c.primaryOf('g1')!;
      const others = GROUPS.g1!.filter((n) => n !== old);
      c.world.inject({ kind: 'partition', sides: [[old], others], for: sec(3) });
      c.world.run(sec(17));
      c.world.inject({ kind: 'crash', node: old });
      c.world.run(sec(40));
      expect(c.primaryOf('g1')).not.toBe(old);
      expect(lostWrites(c), `seed ${seed}`).toEqual([]);
    }
  });

  it('a primary cut off from the master stops serving reads before a standby replaces it (read lease)', () => {
    const c = shardCluster(8);
    c.world.run(SETTLE);
    const p = c.primaryOf('g1')!;
    expect(c.data(p)!.canServeReads()).toBe(true);
    let atPromotion: boolean | undefined;
    c.world.on((ev) => {
      if (ev.kind === 'shard.placement' && ev['change'] === 'primary' && ev['group'] === 'g1' && atPromotion === undefined) atPromotion = c.data(p)!.canServeReads();
    });
    c.world.inject({ kind: 'partition', sides: [[p], ['s1', 's2', 's3']], for: sec(20) });
    c.world.run(sec(30));
    expect(c.primaryOf('g1')).not.toBe(p);
    expect(atPromotion).toBe(false);
    // the new primary serves reads; the old one, told of the new configuration after the heal, does not
    c.world.run(sec(40));
    expect(c.data(c.primaryOf('g1')!)!.canServeReads()).toBe(true);
    expect(c.data(p)!.canServeReads()).toBe(false);
    // and clients read through the new primary
    let got: string | null | undefined;
    c.client()!.refreshRoutes();
    c.world.run(sec(41));
    c.client()!.put('rl-key', 'v1', () => c.client()!.get('rl-key', (r) => { got = r.ok ? r.value : undefined; }));
    c.world.run(sec(45));
    expect(got).toBe('v1');
  });

  it('master failure elects a new master that keeps placing', () => {
    const c = shardCluster(3);
    c.world.run(SETTLE);
    const first = c.master()!;
    const firstId = ['s1', 's2', 's3'].find((s) => c.world.app(s) === first)!;
    c.workload(SETTLE, sec(40), WRITE_EVERY);
    c.world.run(sec(14));
    c.world.inject({ kind: 'crash', node: firstId });
    c.world.run(sec(24));
    const second = c.master();
    expect(second).toBeDefined();
    expect(second).not.toBe(first);
    // the new master still fails over a primary
    const old = c.primaryOf('g2')!;
    c.world.inject({ kind: 'crash', node: old });
    c.world.run(sec(45));
    expect(c.primaryOf('g2')).toBeDefined();
    expect(c.primaryOf('g2')).not.toBe(old);
    expect(lostWrites(c)).toEqual([]);
  });

  it('a group with no standby left is unavailable, and returns with its last primary', () => {
    const c = shardCluster(4);
    c.world.run(SETTLE);
    c.workload(SETTLE, sec(20), WRITE_EVERY);
    c.world.run(sec(20));
    const p = c.primaryOf('g2')!;
    const s = GROUPS.g2!.find((n) => n !== p)!;
    c.world.inject({ kind: 'crash', node: s });
    c.world.run(sec(26));
    c.world.inject({ kind: 'crash', node: p });
    c.world.run(sec(32));
    const cfg = c.master()!.configs().find((x) => x.group === 'g2')!;
    expect(cfg.unavailable).toBe(true);
    let answer: string | undefined;
    c.client()!.put('probe-key-for-g2', 'x', (r) => { answer = r.ok ? 'ok' : r.error; });
    c.world.run(sec(45));
    if (c.client()!.groupOf('probe-key-for-g2') === 'g2') expect(answer).toBe('unknown-outcome');
    c.world.inject({ kind: 'restart', node: p });
    c.world.run(sec(55));
    expect(c.primaryOf('g2')).toBe(p);
    expect(lostWrites(c)).toEqual([]);
  });
});

import fc from 'fast-check';
import { SERVERS } from './harness.ts';

describe('sharded store under random crashes', () => {
  it('property: no acknowledged write is lost across data-node and master crashes and isolations', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 1_000_000 }),
      fc.array(fc.record({
        at: fc.integer({ min: 13, max: 40 }), node: fc.constantFrom(...SERVERS, ...GROUPS.g1!, ...GROUPS.g2!),
        down: fc.integer({ min: 1, max: 12 }), isolate: fc.boolean(),
      }), { maxLength: 5 }),
      (seed, crashes) => {
        const c = shardCluster(seed);
        c.world.run(SETTLE);
        c.workload(SETTLE, sec(45), WRITE_EVERY);
        for (const x of crashes) {
          c.world.at(sec(x.at), () => {
            if (x.isolate) c.world.inject({ kind: 'isolate', target: x.node, for: sec(x.down) });
            else if (c.world.isUp(x.node)) c.world.inject({ kind: 'crash', node: x.node, for: sec(x.down) });
          });
        }
        c.world.run(sec(80));
        // every group must be served again once everything restarted, with every acknowledged write
        for (const g of Object.keys(GROUPS)) expect(c.primaryOf(g), `seed ${seed} group ${g}`).toBeDefined();
        expect(lostWrites(c), `seed ${seed}`).toEqual([]);
      },
    ), { numRuns: 40 });
  });
});
