/**
 * Without nft (or root) a real run does not pretend: partitions, isolates and heals are listed
 * as skipped with the reason, as are kinds no real run can play (loss, clock skew); nothing is
 * done to the processes. Runs without root: the cluster here is never started.
 */
import { describe, expect, it } from 'vitest';
import { FaultPlayer } from '../../src/real-run/faults.ts';
import { RealCluster } from '../../src/real-run/cluster.ts';
import { TopologyIndex } from '../../src/scenario/topology.ts';
import { RealRoleView } from '../../src/real-run/roles.ts';
import type { ScheduledFault } from '../../src/sim/types.ts';

describe('real-run fault player without nft', () => {
  it('skips network faults with the reason and unplayable kinds by name', async () => {
    const topo = new TopologyIndex({ regions: [{ name: 'r', dcs: [{ name: 'd', nodes: ['n1', 'n2', 'n3'] }] }] });
    const cluster = new RealCluster(['n1', 'n2', 'n3'], 40_000);
    const t0 = performance.now();
    const p = new FaultPlayer(cluster, topo, undefined, 'not root (test)', t0, new RealRoleView(topo.spec, cluster, undefined, t0), undefined);
    const faults: ScheduledFault[] = [
      { at: 0, fault: { kind: 'partition', sides: [['n1'], ['n2', 'n3']] } },
      { at: 0, fault: { kind: 'isolate', target: 'n2' } },
      { at: 0, fault: { kind: 'loss', p: 0.5 } },
      { at: 0, fault: { kind: 'clock', node: 'n1', skew: 1_000_000 } },
      { at: 0, fault: { kind: 'heal' } },
    ];
    p.schedule(faults);
    for (let i = 0; i < 100 && p.skipped.length < faults.length; i++) await new Promise((r) => setTimeout(r, 20));
    await p.stop();
    await cluster.stopAll();
    expect(p.skipped.map((s) => s.kind)).toEqual(['partition', 'isolate', 'loss', 'clock', 'heal']);
    expect(p.skipped[0]!.reason).toBe('not root (test)');
    expect(p.skipped[3]!.reason).toMatch(/clock skew/);
    expect(p.played).toEqual([]);
  });
});
