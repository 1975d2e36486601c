/**
 * SwimNode.membershipVersion: while it stays the same, members() lists the same nodes in the
 * same order with the same statuses (SwimObservers caches its live/known sets on it). Checked
 * after every event of a run with a crash (suspect, dead, reaped) and a restart (rejoin).
 */
import { describe, expect, it } from 'vitest';
import { sec } from '../../src/core/env.ts';
import { buildCluster, swimOf } from './harness.ts';

const view = (ms: readonly { node: string; status: string }[]) => ms.map((m) => `${m.node}:${m.status}`).join(',');

describe('SwimNode.membershipVersion', () => {
  it('stays the same only while members() shows the same nodes, order and statuses', () => {
    const { world, names } = buildCluster({ n: 5, seed: 'membership-version', config: { gossipToTheDeadUs: sec(5) } });
    world.start();
    world.at(sec(10), () => world.inject({ kind: 'crash', node: 'n4' }));
    world.at(sec(40), () => world.inject({ kind: 'restart', node: 'n4' }));
    const last = new Map<string, { v: number; view: string }>();
    let changes = 0;
    let checks = 0;
    while (world.now() < sec(60) && world.step()) {
      for (const id of names) {
        const s = swimOf(world, id);
        if (s === undefined) {
          last.delete(id);
          continue;
        }
        const v = s.membershipVersion();
        const now = view(s.members());
        const before = last.get(id);
        if (before !== undefined && before.v === v) {
          expect(now, `${id} at ${world.now()}us: same version ${v}, different members`).toBe(before.view);
          checks++;
        } else if (before !== undefined) changes++;
        last.set(id, { v, view: now });
      }
    }
    // The run went through joins, a crash, suspicion, death, reaping and a rejoin.
    expect(changes).toBeGreaterThan(20);
    expect(checks).toBeGreaterThan(1000);
  });
});
