/**
 * The failover service on the real cores: Raft replicates the HA state machine, SWIM carries
 * results and membership. Same scenarios and checker as sim.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { sec } from '../../src/core/env.ts';
import { CB_TARGETS, TWO_REGIONS_THREE_DCS, haCluster, type HaCluster } from './harness.ts';
import { SwimObservers } from '../../src/core/ha/index.ts';

const verdictOf = (c: HaCluster) => {
  const v = c.checker.verdict();
  if (!v.ok) console.error(v.violations.join('\n'));
  return v;
};

describe('HA on Raft + SWIM', () => {
  it('a lost DC is declared DOWN within the bound, once, and clients switch over', () => {
    const c = haCluster({
      stack: 'raft-swim',
      world: { seed: 21, topology: TWO_REGIONS_THREE_DCS },
      targets: CB_TARGETS.map((t) => (t.key === 'cb/eu-1' ? { ...t, script: [{ at: sec(30), state: 'down' as const }] } : t)),
      groups: [{ name: 'cb', targets: ['cb/eu-1', 'cb/eu-2', 'cb/us-1'] }],
    });
    console.log(`raft+swim bound: ${c.bound.totalUs / 1e6}s (checks ${c.bound.checksUs / 1e6}, gossip ${c.bound.gossipUs / 1e6}, quorum ${c.bound.quorumUs / 1e6}, commit ${c.bound.commitUs / 1e6})`);
    c.world.at(sec(30), () => {
      c.world.inject({ kind: 'crash', node: 'n1' });
      c.world.inject({ kind: 'crash', node: 'n2' });
    });
    c.world.run(sec(80));
    const v = verdictOf(c);
    expect(v.ok).toBe(true);
    expect(v.events.map((e) => [e.key, e.to])).toEqual([['cb/eu-1', 'down']]);
    const d = v.detections.find((x) => x.key === 'cb/eu-1')!;
    console.log(`detected after ${(d.latencyUs! / 1e6).toFixed(3)}s, failed over at the same entry: ${d.failedOverAtUs === d.declaredAtUs}`);
    for (const n of ['n3', 'n4', 'n5', 'n6']) {
      expect(c.app(n)!.sm.group('cb')!.active).toBe('cb/eu-2');
      expect(c.app(n)!.notes.seen.length).toBe(1);
      expect(c.app(n)!.notes.seen.filter((x) => x.role === 'leader').length).toBe(c.leader() === n ? 1 : 0);
    }
  });

  it('a minority partition never fails a target over; the leader crashing mid-outage still gives one event', () => {
    const c = haCluster({
      stack: 'raft-swim',
      world: { seed: 22, topology: TWO_REGIONS_THREE_DCS, network: { loss: 0.01 } },
      targets: CB_TARGETS.map((t) => (t.key === 'cb/us-1' ? { ...t, script: [{ at: sec(70), state: 'down' as const }, { at: sec(110), state: 'up' as const }] } : t)),
      groups: [{ name: 'cb', targets: ['cb/eu-1', 'cb/eu-2'] }],
    });
    c.world.schedule([{ at: sec(10), fault: { kind: 'partition', sides: [['us-1'], ['eu-1']], for: sec(40) } }]);
    c.world.at(sec(72), () => { const l = c.leader(); if (l) c.world.inject({ kind: 'crash', node: l, for: sec(10) }); });
    c.world.run(sec(150));
    const v = verdictOf(c);
    expect(v.ok).toBe(true);
    expect(v.events.map((e) => [e.key, e.to])).toEqual([['cb/us-1', 'down'], ['cb/us-1', 'up']]);
    expect(c.app('n3')!.sm.group('cb')!.active).toBe('cb/eu-1');
  });
});

import fc from 'fast-check';

/**
 * Six observers in two regions / three DCs on Raft + SWIM, 2 % loss, cb/eu-2 following the
 * scripted up/down steps, a random nemesis until 70 s; the failover checker's violations at 90 s.
 */
function nemesisViolations(seed: number, steps: readonly { at: number; down: boolean }[]): string[] {
  const script = [...steps].sort((a, b) => a.at - b.at).map((s) => ({ at: sec(s.at), state: (s.down ? 'down' : 'up') as 'down' | 'up' }));
  const c = haCluster({
    stack: 'raft-swim',
    world: { seed, topology: TWO_REGIONS_THREE_DCS, network: { loss: 0.02 } },
    targets: CB_TARGETS.map((t) => (t.key === 'cb/eu-2' ? { ...t, script } : t)),
    groups: [{ name: 'cb', targets: ['cb/eu-1', 'cb/eu-2', 'cb/us-1'] }],
    liveness: 'quiet',
  });
  c.world.nemesis({ ratePerMin: 8, durationMin: sec(1), durationMax: sec(15), until: sec(70), kinds: { partition: 3, isolate: 2, crash: 2, pause: 1, loss: 1, clock: 1 } });
  c.world.run(sec(90));
  return [...c.checker.verdict().violations];
}

describe('HA on Raft + SWIM under random faults', () => {
  it('property: no unjustified or duplicate event whatever the nemesis does, detection within the bound in quiet windows', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 1_000_000 }),
      fc.array(fc.record({ at: fc.integer({ min: 5, max: 70 }), down: fc.boolean() }), { maxLength: 3 }),
      (seed, steps) => {
        // safety always; liveness within the bound in fault-free windows ('quiet')
        expect(nemesisViolations(seed, steps), `seed ${seed}`).toEqual([]);
      },
    ), { numRuns: 25 });
  });
});

describe('a dead observer stays known after SWIM reaps it', () => {
  // QA counterexamples: an observer dies and SWIM reaps it (30 s on LAN); then 3 of 6 observers
  // are cut off from a live target. Counting only SWIM's table, known fell to 5 and quorum to 3:
  // the cut-off minority declared the target DOWN. With the configured observers it never does.
  for (const [seed, steps] of [[251256, [{ at: 9, down: true }]], [57156, []]] as const) {
    it(`seed ${seed}: no DOWN event while the target is up and only a minority is cut off`, () => {
      expect(nemesisViolations(seed, steps)).toEqual([]);
    });
  }

  it('known = configured observers not left, plus the live ones; a reaped one still counts', () => {
    const table = [
      { node: 'n2', status: 'alive' },
      { node: 'n3', status: 'suspect' },
      { node: 'n4', status: 'left' },
    ];
    const swim = { members: () => table } as unknown as ConstructorParameters<typeof SwimObservers>[0];
    const view = new SwimObservers(swim, 'n1', () => true, () => ['n1', 'n2', 'n3', 'n4', 'n5']);
    expect([...view.live()].sort()).toEqual(['n1', 'n2', 'n3']);
    // n5 is dead and reaped (not in the table): still known. n4 left: not known.
    expect([...view.known()].sort()).toEqual(['n1', 'n2', 'n3', 'n5']);
  });
});
