/**
 * A real run resolves role selectors with the simulator's own resolver (src/sim/roles.ts),
 * fed by what the agents say about the leader: every one of the seven selectors resolves the
 * same way as in the simulator for the same view. No agent is started (runs without root).
 */
import { describe, expect, it } from 'vitest';
import { RealCluster } from '../../src/real-run/cluster.ts';
import { ClientNodes } from '../../src/real-run/client-nodes.ts';
import { RealRoleView } from '../../src/real-run/roles.ts';
import { ROLE_SELECTORS, resolveRoles } from '../../src/sim/roles.ts';
import type { TopologySpec } from '../../src/sim/types.ts';

const spec: TopologySpec = {
  regions: [
    { name: 'eu', dcs: [{ name: 'eu-1', nodes: ['r1', 'r2', 'c1'] }, { name: 'eu-2', nodes: ['r3', 'r4'] }] },
    { name: 'us', dcs: [{ name: 'us-1', nodes: ['r5'] }] },
  ],
};

describe('real-run role selectors', () => {
  it('resolve all seven selectors through the simulator resolver from the agents\' view', async () => {
    const cluster = new RealCluster(['r1', 'r2', 'r3', 'r4', 'r5'], 41_000);
    try {
      for (const n of cluster.nodes) n.state = 'up'; // as if running: nothing is spawned here
      const view = new RealRoleView(spec, cluster, new ClientNodes(['c1']), performance.now());
      // r3 leads in term 7; r5 (stale, cut off) still says it leads in term 6.
      view.see([
        { node: 'r1', leader: false, term: 7, commit: 10 },
        { node: 'r2', leader: false, term: 7, commit: 10 },
        { node: 'r3', leader: true, term: 7, commit: 10 },
        { node: 'r4', leader: false, term: 7, commit: 10 },
        { node: 'r5', leader: true, term: 6, commit: 8 },
      ]);
      const got: Record<string, string> = {};
      for (const role of ROLE_SELECTORS) {
        const r = resolveRoles(view, { kind: 'isolate', target: role });
        expect(r.ok, role).toBe(true);
        if (r.ok && r.fault.kind === 'isolate') got[role] = r.fault.target;
      }
      expect(got).toEqual({
        leader: 'r3',
        followers: 'r1+r2+r4+r5',
        'a-follower': 'r1',
        'leader-dc': 'eu-2',
        'leader-region': 'eu',
        'minority-with-leader': 'r3+r1',
        'majority-without-leader': 'r2+r4+r5',
      });
      // No agent says it leads: "leader" names nothing, and the fault is skipped with the reason.
      view.see([{ node: 'r1', leader: false, term: 8, commit: 10 }]);
      const none = resolveRoles(view, { kind: 'crash', node: 'leader' });
      expect(none.ok).toBe(false);
      // A paused leader's follower is not "a-follower" (only running ones are).
      view.see([{ node: 'r1', leader: true, term: 9, commit: 10 }]);
      cluster.nodes[1]!.state = 'paused';
      const af = resolveRoles(view, { kind: 'pause', node: 'a-follower' });
      expect(af.ok && af.fault.kind === 'pause' ? af.fault.node : '').toBe('r3');
    } finally {
      for (const n of cluster.nodes) n.state = 'down';
      await cluster.stopAll();
    }
  });
});
