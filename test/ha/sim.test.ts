import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sec } from '../../src/core/env.ts';
import { CB_TARGETS, TWO_REGIONS_THREE_DCS, haCluster, type HaCluster } from './harness.ts';

const base = { seed: 1, topology: TWO_REGIONS_THREE_DCS };
const verdictOf = (c: HaCluster) => {
  const v = c.checker.verdict();
  if (!v.ok) console.error(v.violations.join('\n'));
  return v;
};

describe('HA failover in the simulator', () => {
  it('prints the detection bound', () => {
    const c = haCluster({ world: base, targets: CB_TARGETS });
    const b = c.bound;
    console.log(`detection bound: checks ${b.checksUs / 1e6}s + gossip ${b.gossipUs / 1e6}s + quorum ${b.quorumUs / 1e6}s + commit ${b.commitUs / 1e6}s = ${b.totalUs / 1e6}s`);
    expect(b.totalUs).toBeGreaterThan(b.checksUs);
  });

  it('a lost DC: its target is declared DOWN within the bound and clients switch to the standby', () => {
    const c = haCluster({
      world: { ...base, seed: 7 },
      targets: CB_TARGETS.map((t) => (t.key === 'cb/eu-1' ? { ...t, script: [{ at: sec(20), state: 'down' as const }] } : t)),
      groups: [{ name: 'cb', targets: ['cb/eu-1', 'cb/eu-2', 'cb/us-1'] }],
    });
    c.world.at(sec(20), () => {
      c.world.inject({ kind: 'crash', node: 'n1' });
      c.world.inject({ kind: 'crash', node: 'n2' });
    });
    c.world.run(sec(60));
    const v = verdictOf(c);
    expect(v.ok).toBe(true);
    expect(v.events.map((e) => [e.key, e.to])).toEqual([['cb/eu-1', 'down']]);
    const d = v.detections.find((x) => x.key === 'cb/eu-1' && x.to === 'down')!;
    expect(d.latencyUs).toBeLessThanOrEqual(c.bound.totalUs);
    expect(d.failedOverAtUs).toBe(d.declaredAtUs);
    for (const n of ['n3', 'n4', 'n5', 'n6']) {
      const app = c.app(n)!;
      expect(app.sm.group('cb')!.active).toBe('cb/eu-2');
      expect(app.notes.seen.map((x) => [x.key, x.state, x.activeChanges.length])).toEqual([['cb/eu-1', 'down', 1]]);
    }
    const st = c.app('n3')!.ha.status();
    expect(st.targets.find((t) => t.key === 'cb/eu-1')).toMatchObject({ health: 'down', reported: 'down' });
    expect(st.groups[0]).toMatchObject({ name: 'cb', active: 'cb/eu-2' });
    expect(st.known.length).toBe(6);
    expect(st.gossip.length).toBeGreaterThan(0);
  });

  it('a partition cutting a majority of observers off a target may declare it (allowed), and the checker agrees', () => {
    const c = haCluster({ world: { ...base, seed: 3 }, targets: CB_TARGETS });
    c.world.schedule([{ at: sec(10), fault: { kind: 'partition', sides: [['us-1'], ['eu-1', 'eu-2']], for: sec(40) } }]);
    c.world.run(sec(100));
    const v = verdictOf(c);
    expect(v.ok).toBe(true);
    // 4 of 6 observers lost cb/us-1: DOWN, then UP after the heal; eu targets stay UP (only 2 of 6 lost them)
    expect(v.events.map((e) => [e.key, e.to])).toEqual([['cb/us-1', 'down'], ['cb/us-1', 'up']]);
  });

  it('a partition cutting a minority of observers off a target never fails it over', () => {
    const c = haCluster({ world: { ...base, seed: 3 }, targets: CB_TARGETS, groups: [{ name: 'cb', targets: ['cb/eu-1', 'cb/eu-2'] }] });
    // us-1 (2 of 6 observers) loses eu-1's target, eu-1 (2 of 6) loses us-1's: each cut set is a minority.
    c.world.schedule([
      { at: sec(10), fault: { kind: 'partition', sides: [['us-1'], ['eu-1']], for: sec(40) } },
      { at: sec(60), fault: { kind: 'isolate', target: 'n3', for: sec(30) } },
    ]);
    c.world.run(sec(100));
    const v = verdictOf(c);
    expect(v.ok).toBe(true);
    expect(v.events).toEqual([]);
    expect(c.app('n1')!.sm.group('cb')!.active).toBe('cb/eu-1');
    // the minority did see the targets DOWN (so the test exercises the quorum, not a blind probe)
    expect(c.targets.counts.cutOff).toBeGreaterThan(0);
  });

  it('the checker catches a broken quorum (each node trusting only itself)', () => {
    const c = haCluster({ world: { ...base, seed: 3 }, targets: CB_TARGETS, observersOf: (n) => [n] });
    c.world.schedule([{ at: sec(10), fault: { kind: 'partition', sides: [['us-1'], ['eu-1']], for: sec(40) } }]);
    c.world.run(sec(60));
    const v = c.checker.verdict();
    expect(v.ok).toBe(false);
    expect(v.violations.join('\n')).toMatch(/DOWN event .* only 2\/6 observers were cut off/);
  });

  it('a flapping target does not flap events; a real outage then gives exactly one DOWN and one UP', () => {
    const c = haCluster({
      world: { ...base, seed: 11 },
      targets: [
        { key: 'cb/eu-2', dc: 'eu-2', script: [
          { at: sec(10), state: 'flapping', downUs: sec(1), upUs: sec(1) },
          { at: sec(70), state: 'up' },
          { at: sec(90), state: 'down' },
          { at: sec(130), state: 'up' },
        ] },
      ],
    });
    c.world.run(sec(180));
    const v = verdictOf(c);
    expect(v.ok).toBe(true);
    expect(v.events.map((e) => e.to)).toEqual(['down', 'up']);
    expect(v.events[0]!.t).toBeGreaterThanOrEqual(sec(90));
  });

  it('the leader crashing mid-detection still yields exactly one event', () => {
    const c = haCluster({
      world: { ...base, seed: 5 },
      targets: CB_TARGETS.map((t) => (t.key === 'cb/us-1' ? { ...t, script: [{ at: sec(15), state: 'down' as const }] } : t)),
    });
    c.world.at(sec(18), () => c.world.inject({ kind: 'crash', node: c.raft.leader()!, for: sec(20) }));
    c.world.run(sec(60));
    const v = verdictOf(c);
    expect(v.ok).toBe(true);
    expect(v.events.map((e) => [e.key, e.to])).toEqual([['cb/us-1', 'down']]);
    // the restarted node replays the log and does not notify twice
    const restarted = c.world.app<{ notes: { seen: unknown[] } }>('n1');
    expect(restarted).toBeDefined();
  });

  it('observers restarting en masse while a target is down do not declare it UP', () => {
    const c = haCluster({
      world: { ...base, seed: 13 },
      targets: CB_TARGETS.map((t) => (t.key === 'cb/us-1' ? { ...t, script: [{ at: sec(5), state: 'down' as const }] } : t)),
    });
    c.world.run(sec(20));
    expect(c.checker.verdict().events.map((e) => e.to)).toEqual(['down']);
    for (const n of ['n1', 'n2', 'n3', 'n4']) c.world.inject({ kind: 'crash', node: n, for: sec(1) });
    c.world.run(sec(40));
    const v = verdictOf(c);
    expect(v.ok).toBe(true);
    expect(v.events.map((e) => e.to)).toEqual(['down']);
  });

  it('same seed, same trace', () => {
    const run = () => {
      const c = haCluster({ world: { ...base, seed: 99 }, targets: CB_TARGETS.map((t) => ({ ...t, script: [{ at: sec(5), state: 'down' as const }] })) });
      c.world.nemesis({ ratePerMin: 6, durationMin: sec(1), durationMax: sec(8), until: sec(40) });
      c.world.run(sec(50));
      return c.world.traceHash();
    };
    expect(run()).toBe(run());
  });

  it('property: under random faults and random target scripts, no unjustified or duplicate event, and detection within the bound in quiet windows', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 1_000_000 }),
      fc.array(fc.record({ at: fc.integer({ min: 1, max: 80 }), down: fc.boolean() }), { maxLength: 4 }),
      (seed, steps) => {
        const script = [...steps].sort((a, b) => a.at - b.at).map((s) => ({ at: sec(s.at), state: (s.down ? 'down' : 'up') as 'down' | 'up' }));
        const c = haCluster({
          world: { seed, topology: TWO_REGIONS_THREE_DCS, network: { loss: 0.02 } },
          targets: CB_TARGETS.map((t) => (t.key === 'cb/eu-2' ? { ...t, script } : t)),
          liveness: 'quiet',
        });
        c.world.nemesis({ ratePerMin: 8, durationMin: sec(1), durationMax: sec(15), until: sec(80), kinds: { partition: 3, isolate: 2, crash: 2, pause: 1, loss: 1 } });
        c.world.run(sec(100));
        const v = c.checker.verdict();
        // safety always; liveness within the bound in fault-free windows ('quiet')
        expect(v.violations, `seed ${seed}`).toEqual([]);
      },
    ), { numRuns: 40 });
  });
});
